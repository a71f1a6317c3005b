import { Button, Group, SegmentedControl, Select, Stack, Table, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get, post } from '../api/client';
import { LoadMore, usePagedList } from '../api/paged-list';
import type { LicenseType, List, ServiceRequest } from '../api/types';
import { ErrorAlert, formatDateTime, StatusBadge, wordFor } from '../components/common';
import { RequestSubject } from '../components/RequestSubject';

function Fulfil({ request }: { request: ServiceRequest }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [typeId, setTypeId] = useState<string | null>(request.licenseTypeId);
  const types = useQuery({
    queryKey: ['license-types'],
    queryFn: () => get<List<LicenseType>>('/v1/license-types'),
    enabled: request.kind === 'order',
  });
  const fulfil = useMutation({
    mutationFn: () =>
      post(`/v1/service-requests/${request.id}/actions/fulfil`, typeId ? { licenseTypeId: typeId } : {}),
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
  const [state, setState] = useState('open');
  const requests = usePagedList<ServiceRequest>(
    ['service-requests', state],
    `/v1/service-requests?state=${state}`,
    { live: true },
  );
  return (
    <Stack>
      <Title order={3}>{t('requests.title')}</Title>
      <SegmentedControl
        value={state}
        onChange={setState}
        data={['open', 'fulfilled'].map((s) => ({ value: s, label: wordFor(t, 'requests', s) }))}
      />
      <Table data-testid="service-requests">
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
      <LoadMore list={requests} />
    </Stack>
  );
}
