import { Button, Card, Group, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ok, type Query } from '../api/client';
import type { Drawdown } from '../api/models';
import { LoadMore, usePagedList } from '../api/paged-list';
import { ErrorAlert, formatDateTime, StatusBadge, wordFor } from '../components/common';
import { usePath } from '../router';

function Decision({ drawdown }: { drawdown: Drawdown }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['drawdowns'] });
  const approve = useMutation({
    mutationFn: () =>
      ok(api.POST('/v1/drawdowns/{id}/actions/approve', { params: { path: { id: drawdown.id } } })),
    onSuccess: refresh,
  });
  const reject = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/drawdowns/{id}/actions/reject', {
          params: { path: { id: drawdown.id } },
          body: { reason },
        }),
      ),
    onSuccess: refresh,
  });
  return (
    <Stack gap="xs">
      <Group align="end">
        <Button color="teal" onClick={() => approve.mutate()} data-testid={`approve-${drawdown.reference}`}>
          {t('drawdowns.approve')}
        </Button>
        <TextInput
          label={t('drawdowns.reason')}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          w={360}
          data-testid={`reason-${drawdown.reference}`}
        />
        <Button
          color="red"
          variant="light"
          disabled={!reason}
          onClick={() => reject.mutate()}
          data-testid={`reject-${drawdown.reference}`}
        >
          {t('drawdowns.reject')}
        </Button>
      </Group>
      <ErrorAlert error={approve.error ?? reject.error} />
    </Stack>
  );
}

/** One request as the accounts team decides it: who asks, under which order, for which customer, what. */
function DrawdownCard({ drawdown: d, highlighted }: { drawdown: Drawdown; highlighted?: boolean }) {
  const { t } = useTranslation();
  return (
    <Card withBorder key={d.id} data-testid="drawdown-card" bg={highlighted ? 'yellow.0' : undefined}>
      <Stack gap="xs">
        <Group>
          <Title order={5}>{d.reference}</Title>
          <StatusBadge status={d.state} label={wordFor(t, 'drawdowns.states', d.state)} />
          <Text size="sm" c="dimmed">
            {formatDateTime(d.createdAt)}
          </Text>
        </Group>
        <Text size="sm" data-testid="drawdown-parties">
          {t('drawdowns.partner')}: <b>{d.partnerName ?? d.partnerId}</b> · {t('drawdowns.order')}:{' '}
          <b>{d.orderReference ?? d.orderId}</b> · {t('drawdowns.forCustomer')}: <b>{d.customerName}</b>
        </Text>
        <Table withRowBorders={false} data-testid="drawdown-lines">
          <Table.Tbody>
            {d.items.map((item) => (
              <Table.Tr key={item.orderItemId}>
                <Table.Td>{item.productName}</Table.Td>
                <Table.Td>{item.licenseTypeName}</Table.Td>
                <Table.Td>× {item.quantity}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {d.rejectionReason && <Text c="red">{d.rejectionReason}</Text>}
        {d.state === 'submitted' && <Decision drawdown={d} />}
      </Stack>
    </Card>
  );
}

/**
 * The accounts team's approval queue of partner draw-down requests. `/drawdowns/{id}` (the link in the
 * e-mail) opens with that request on top.
 */
export function DrawdownQueuePage() {
  const { t } = useTranslation();
  const path = usePath();
  const focusId = path.split('/')[2];
  const [state, setState] = useState<NonNullable<Query<'/v1/drawdowns'>['state']> | 'all'>('submitted');
  const drawdowns = usePagedList(
    ['drawdowns', state],
    (cursor) =>
      ok(
        api.GET('/v1/drawdowns', {
          params: { query: { state: state === 'all' ? undefined : state, cursor } },
        }),
      ),
    { live: true },
  );
  const focused = useQuery({
    queryKey: ['drawdowns', 'one', focusId],
    queryFn: () => ok(api.GET('/v1/drawdowns/{id}', { params: { path: { id: focusId ?? '' } } })),
    enabled: Boolean(focusId),
  });
  return (
    <Stack>
      <Title order={3}>{t('drawdowns.queue')}</Title>
      {focused.data && <DrawdownCard drawdown={focused.data} highlighted />}
      <SegmentedControl
        value={state}
        onChange={(value) => setState(value as typeof state)}
        data={[
          ...['submitted', 'approved', 'rejected', 'accepted'].map((s) => ({
            value: s,
            label: wordFor(t, 'drawdowns.states', s),
          })),
          { value: 'all', label: t('common.all') },
        ]}
      />
      {drawdowns.items
        .filter((d) => d.id !== focusId)
        .map((d) => (
          <DrawdownCard key={d.id} drawdown={d} />
        ))}
      {drawdowns.isSuccess && drawdowns.items.length === 0 && (
        <Text c="dimmed" data-testid="queue-empty">
          {t('drawdowns.empty')}
        </Text>
      )}
      <LoadMore list={drawdowns} />
    </Stack>
  );
}
