import { Button, Group, SegmentedControl, Select, Stack, Table, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ok, type Query } from '../api/client';
import type { ServiceRequest } from '../api/models';
import { LoadMore, usePagedList } from '../api/paged-list';
import { EmptyState, ErrorAlert, formatDateTime, StatusBadge, wordFor } from '../components/common';
import { RequestColumns, RequestSubject } from '../components/RequestSubject';

function Fulfil({ request }: { request: ServiceRequest }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [typeId, setTypeId] = useState<string | null>(request.licenseTypeId);
  const types = useQuery({
    queryKey: ['license-types'],
    queryFn: () => ok(api.GET('/v1/license-types')),
    enabled: request.kind === 'order',
  });
  const fulfil = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/service-requests/{id}/actions/fulfil', {
          params: { path: { id: request.id } },
          body: typeId ? { licenseTypeId: typeId } : {},
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['service-requests'] }),
  });
  return (
    <Group>
      {request.kind === 'order' && (
        <Select
          aria-label={t('requests.licenseType')}
          data={(types.data?.data ?? [])
            .filter((lt) => lt.productId === request.productId)
            .map((lt) => ({ value: lt.id, label: lt.name }))}
          value={typeId}
          onChange={setTypeId}
          w={220}
        />
      )}
      <Button size="compact-sm" onClick={() => fulfil.mutate()} data-testid="fulfil-request">
        {t('requests.fulfil')}
      </Button>
      <ErrorAlert error={fulfil.error} />
    </Group>
  );
}

/** Customers' "renew" and "order a new license" requests (seed 003), fulfilled from here. */
export function RequestsPage() {
  const { t } = useTranslation();
  const [state, setState] = useState<NonNullable<Query<'/v1/service-requests'>['state']>>('open');
  const requests = usePagedList(
    ['service-requests', state],
    (cursor) => ok(api.GET('/v1/service-requests', { params: { query: { state, cursor } } })),
    { live: true },
  );
  return (
    <Stack>
      <Title order={3}>{t('requests.title')}</Title>
      <SegmentedControl
        value={state}
        onChange={(value) => setState(value as typeof state)}
        data={['open', 'fulfilled'].map((s) => ({ value: s, label: wordFor(t, 'requests', s) }))}
      />
      <Table data-testid="service-requests">
        <RequestColumns columns={['customer', 'kind', 'subject', 'comment', 'date', 'state']} />
        <Table.Tbody>
          {requests.items.map((r) => (
            <Table.Tr key={r.id} data-testid="service-request">
              <Table.Td>{r.customerName}</Table.Td>
              <Table.Td>{wordFor(t, 'requests', r.kind)}</Table.Td>
              <Table.Td>
                <RequestSubject request={r} />
              </Table.Td>
              <Table.Td>{r.comment}</Table.Td>
              <Table.Td>{formatDateTime(r.createdAt)}</Table.Td>
              <Table.Td>
                {r.state === 'open' ? (
                  <Fulfil request={r} />
                ) : (
                  <StatusBadge status="accepted" label={t('requests.fulfilled')} />
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={requests.isSuccess && requests.items.length === 0} testId="requests-empty">
        {t('empty.requests')}
      </EmptyState>
      <LoadMore list={requests} />
    </Stack>
  );
}
