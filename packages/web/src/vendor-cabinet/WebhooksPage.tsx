import { Button, Card, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Item, ok } from '../api/client';
import { EmptyState, ErrorAlert, fieldError, formatDateTime, StatusBadge } from '../components/common';

type Endpoint = Item<'/v1/webhooks'>;

const STATE: Record<string, string> = { delivered: 'active', pending: 'expiring', failed: 'expired' };

function Deliveries({ endpoint }: { endpoint: Endpoint }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const deliveries = useQuery({
    queryKey: ['webhooks', endpoint.id],
    queryFn: () => ok(api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: endpoint.id } } })),
  });
  const redeliver = useMutation({
    mutationFn: (id: string) =>
      ok(api.POST('/v1/webhook-deliveries/{id}/actions/redeliver', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  });
  if (deliveries.isSuccess && deliveries.data.data.length === 0)
    return (
      <EmptyState when testId="deliveries-empty">
        {t('empty.deliveries')}
      </EmptyState>
    );
  return (
    <Table>
      <Table.Tbody>
        {deliveries.data?.data.map((d) => (
          <Table.Tr key={d.id}>
            <Table.Td>{formatDateTime(d.createdAt)}</Table.Td>
            <Table.Td>
              <Code>{d.eventType}</Code>
            </Table.Td>
            <Table.Td>
              <StatusBadge status={STATE[d.state] ?? 'unused'} label={d.state} />
            </Table.Td>
            <Table.Td>
              {d.attempts} × {d.lastStatus ?? d.lastError ?? ''}
            </Table.Td>
            <Table.Td>
              <Button size="compact-xs" variant="subtle" onClick={() => redeliver.mutate(d.id)}>
                {t('webhooks.redeliver')}
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Webhook endpoints: events signed per Standard Webhooks, the delivery log, redelivery, enable/disable. */
export function WebhooksPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('*');
  const endpoints = useQuery({ queryKey: ['webhooks'], queryFn: () => ok(api.GET('/v1/webhooks')) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const add = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/webhooks', {
          body: {
            url,
            events: events
              .split(',')
              .map((e) => e.trim())
              .filter(Boolean),
          },
        }),
      ),
    onSuccess: () => {
      setUrl('');
      setEvents('*');
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/webhooks/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['webhooks'] }),
  });
  const toggle = useMutation({
    mutationFn: (e: Endpoint) =>
      ok(api.PATCH('/v1/webhooks/{id}', { params: { path: { id: e.id } }, body: { enabled: !e.enabled } })),
    onSuccess: refresh,
  });
  return (
    <Stack>
      <Title order={3}>{t('webhooks.title')}</Title>
      <Group align="end">
        <TextInput
          label={t('webhooks.url')}
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          error={fieldError(add.error, 'url')}
          w={360}
          data-testid="webhook-url"
        />
        <TextInput
          label={t('webhooks.events')}
          value={events}
          onChange={(e) => setEvents(e.currentTarget.value)}
          error={fieldError(add.error, 'events')}
          w={360}
          data-testid="webhook-events"
        />
        <Button onClick={() => add.mutate()} loading={add.isPending} data-testid="webhook-add">
          {t('webhooks.add')}
        </Button>
      </Group>
      {add.data && <Code>{`${t('webhooks.secret')}: ${add.data.secret}`}</Code>}
      <ErrorAlert error={add.error ?? toggle.error} />
      <EmptyState when={endpoints.isSuccess && endpoints.data.data.length === 0} testId="webhooks-empty">
        {t('empty.webhooks')}
      </EmptyState>
      {endpoints.data?.data.map((endpoint) => (
        <Card withBorder key={endpoint.id}>
          <Stack gap="xs">
            <Group>
              <Code>{endpoint.url}</Code>
              <Text size="sm">{endpoint.events.join(', ')}</Text>
              <StatusBadge
                status={endpoint.enabled ? 'active' : 'expired'}
                label={endpoint.enabled ? 'on' : 'off'}
              />
              <Button size="compact-xs" variant="light" onClick={() => toggle.mutate(endpoint)}>
                {endpoint.enabled ? t('webhooks.disable') : t('webhooks.enable')}
              </Button>
              <Button
                size="compact-xs"
                variant="light"
                color="red"
                onClick={() => remove.mutate(endpoint.id)}
                data-testid="webhook-delete"
              >
                {t('catalog.delete')}
              </Button>
            </Group>
            {endpoint.disabledReason && (
              <Text c="red" size="sm">
                {endpoint.disabledReason}
              </Text>
            )}
            <Deliveries endpoint={endpoint} />
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
