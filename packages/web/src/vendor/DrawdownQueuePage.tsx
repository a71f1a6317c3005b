import { Button, Card, Group, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get, post } from '../api/client';
import { LIVE_REFRESH_MS } from '../api/paged-list';
import type { Drawdown, List, Partner } from '../api/types';
import { ErrorAlert, formatDateTime, StatusBadge } from '../components/common';

function Decision({ drawdown }: { drawdown: Drawdown }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['drawdowns'] });
  const approve = useMutation({
    mutationFn: () => post(`/v1/drawdowns/${drawdown.id}/actions/approve`),
    onSuccess: refresh,
  });
  const reject = useMutation({
    mutationFn: () => post(`/v1/drawdowns/${drawdown.id}/actions/reject`, { reason }),
    onSuccess: refresh,
  });
  return (
    <Stack gap="xs">
      <Group align="end">
        <Button color="green" onClick={() => approve.mutate()} data-testid={`approve-${drawdown.reference}`}>
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

/** The accounts team's approval queue of partner draw-down requests. */
export function DrawdownQueuePage() {
  const { t } = useTranslation();
  const [state, setState] = useState('submitted');
  const drawdowns = useQuery({
    queryKey: ['drawdowns', state],
    queryFn: () => get<List<Drawdown>>(`/v1/drawdowns${state === 'all' ? '' : `?state=${state}`}`),
    refetchInterval: LIVE_REFRESH_MS,
  });
  const partners = useQuery({ queryKey: ['partners'], queryFn: () => get<List<Partner>>('/v1/partners') });
  const partnerName = (id: string) => partners.data?.data.find((p) => p.id === id)?.name ?? id;
  return (
    <Stack>
      <Title order={3}>{t('drawdowns.queue')}</Title>
      <SegmentedControl
        value={state}
        onChange={setState}
        data={[
          ...['submitted', 'approved', 'rejected', 'accepted'].map((s) => ({
            value: s,
            label: t(`drawdowns.states.${s}`),
          })),
          { value: 'all', label: t('common.all') },
        ]}
      />
      {drawdowns.data?.data.map((d) => (
        <Card withBorder key={d.id} data-testid="drawdown-card">
          <Stack gap="xs">
            <Group>
              <Title order={5}>{d.reference}</Title>
              <StatusBadge status={d.state} label={t(`drawdowns.states.${d.state}`)} />
              <Text size="sm">
                {partnerName(d.partnerId)} → {d.customerName}
              </Text>
              <Text size="sm" c="dimmed">
                {formatDateTime(d.createdAt)}
              </Text>
            </Group>
            <Text size="sm">{d.items.map((item) => `${item.quantity}`).join(', ')}</Text>
            {d.rejectionReason && <Text c="red">{d.rejectionReason}</Text>}
            {d.state === 'submitted' && <Decision drawdown={d} />}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
