import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  Select,
  Stack,
  Table,
  Tabs,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download, ok } from '../api/client';
import type { KeyCard, Redemption } from '../api/models';
import { LIVE_REFRESH_MS } from '../api/paged-list';
import { AskButton, ConfirmButton } from '../components/ConfirmButton';
import {
  EmptyState,
  ErrorAlert,
  fieldError,
  formatDate,
  formatDateTime,
  ShownOf,
  StatusBadge,
  wordFor,
} from '../components/common';
import { navigate } from '../router';
import { CustomerFields, type CustomerForm, formOf } from './CustomerFields';

function MainSettings({ card }: { card: KeyCard }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['key', card.id] });
  const [target, setTarget] = useState<string | null>(null);
  const customers = useQuery({
    queryKey: ['customers', ''],
    queryFn: () => ok(api.GET('/v1/customers', { params: { query: { limit: 200 } } })),
  });
  const save = useMutation({
    mutationFn: (form: CustomerForm) =>
      ok(api.PATCH('/v1/customers/{id}', { params: { path: { id: card.customerId } }, body: form })),
    onSuccess: refresh,
  });
  const rebind = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH('/v1/keys/{id}', { params: { path: { id: card.id } }, body: { customerId: target ?? '' } }),
      ),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/keys/{id}', { params: { path: { id: card.id } } })),
    onSuccess: refresh,
  });
  return (
    <Stack>
      <CustomerFields
        key={card.customer.id}
        initial={formOf(card.customer)}
        submitLabel={t('common.save')}
        onSubmit={(form) => save.mutate(form)}
        error={save.error}
        busy={save.isPending}
      />
      <Card withBorder>
        <Group align="end">
          <Select
            label={t('key.rebind')}
            data={(customers.data?.data ?? [])
              .filter((c) => c.id !== card.customerId)
              .map((c) => ({ value: c.id, label: c.name }))}
            value={target}
            onChange={setTarget}
            searchable
            data-testid="rebind-customer"
          />
          <Button onClick={() => rebind.mutate()} disabled={!target} data-testid="rebind-save">
            {t('common.save')}
          </Button>
        </Group>
        <ErrorAlert error={rebind.error} />
      </Card>
      {!card.deletedAt && (
        <Group>
          <ConfirmButton
            color="red"
            variant="light"
            testId="delete-key"
            question={t('key.deleteQuestion')}
            onConfirm={() => remove.mutate()}
          >
            {t('key.delete')}
          </ConfirmButton>
        </Group>
      )}
    </Stack>
  );
}

function Products({ card }: { card: KeyCard }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['key', card.id] });
  const types = useQuery({
    queryKey: ['license-types'],
    queryFn: () => ok(api.GET('/v1/license-types')),
  });
  const [typeId, setTypeId] = useState<string | null>(null);
  const [startsAt, setStartsAt] = useState('');
  const issue = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/keys/{id}/licenses', {
          params: { path: { id: card.id } },
          body: {
            licenseTypeId: typeId ?? '',
            ...(startsAt ? { startsAt: new Date(startsAt).toISOString() } : {}),
          },
        }),
      ),
    onSuccess: refresh,
  });
  const act = useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'renew' | 'reinstate' | 'suspend' | 'revoke' }) =>
      ok(api.POST('/v1/licenses/{id}/actions/{action}', { params: { path: { id, action } }, body: {} })),
    onSuccess: refresh,
  });
  // Check-out: a signed license file for an existing license, for an installation that works offline.
  const checkout = useMutation({
    mutationFn: async ({ licenseId, installationId }: { licenseId: string; installationId: string }) => {
      const file = await ok(api.POST('/v1/offline/license-files', { body: { licenseId, installationId } }));
      download(file.fileName, file.content);
    },
    onSuccess: refresh,
  });
  return (
    <Stack>
      <Table data-testid="licenses-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('key.product')}</Table.Th>
            <Table.Th>{t('key.licenseType')}</Table.Th>
            <Table.Th>{t('key.status')}</Table.Th>
            <Table.Th>{t('key.startsAt')}</Table.Th>
            <Table.Th>{t('key.expiresAt')}</Table.Th>
            <Table.Th>{t('key.seats')}</Table.Th>
            <Table.Th>{t('common.actions')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {card.licenses.map((license) => (
            <Table.Tr key={license.id} data-testid="license-row">
              <Table.Td>{license.productName}</Table.Td>
              <Table.Td>
                {license.licenseTypeName} ({wordFor(t, 'enums.scope', license.scope)},{' '}
                {wordFor(t, 'enums.mode', license.mode)})
              </Table.Td>
              <Table.Td>
                <StatusBadge status={license.status} label={wordFor(t, 'status', license.status)} />
              </Table.Td>
              <Table.Td>{formatDate(license.startsAt)}</Table.Td>
              <Table.Td>{formatDate(license.expiresAt, t('common.perpetual'))}</Table.Td>
              <Table.Td>
                {license.seatsUsed}/{license.maxSeats ?? '∞'}
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {(
                    ['renew', license.status === 'suspended' ? 'reinstate' : 'suspend', 'revoke'] as const
                  ).map((action) =>
                    action === 'revoke' ? (
                      <ConfirmButton
                        key={action}
                        size="compact-xs"
                        variant="light"
                        color="red"
                        disabled={license.status === 'revoked'}
                        question={t('key.revokeQuestion')}
                        onConfirm={() => act.mutate({ id: license.id, action })}
                        testId="license-revoke"
                      >
                        {t('key.revoke')}
                      </ConfirmButton>
                    ) : (
                      <Button
                        key={action}
                        size="compact-xs"
                        variant="light"
                        disabled={license.status === 'revoked'}
                        onClick={() => act.mutate({ id: license.id, action })}
                      >
                        {wordFor(t, 'key', action)}
                      </Button>
                    ),
                  )}
                  <AskButton
                    size="compact-xs"
                    variant="subtle"
                    disabled={license.status === 'revoked'}
                    label={t('offline.installation')}
                    onSubmit={(installationId) => checkout.mutate({ licenseId: license.id, installationId })}
                    testId="license-file"
                  >
                    {t('key.licenseFile')}
                  </AskButton>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={card.licenses.length === 0} testId="key-licenses-empty">
        {t('empty.keyLicenses')}
      </EmptyState>
      <ErrorAlert error={act.error ?? checkout.error} />
      {!card.deletedAt && (
        <Card withBorder>
          <Group align="end">
            <Select
              label={t('key.licenseType')}
              data={(types.data?.data ?? []).map((type) => ({
                value: type.id,
                label: `${type.productCode} — ${type.name}`,
              }))}
              value={typeId}
              onChange={setTypeId}
              error={fieldError(issue.error, 'licenseTypeId')}
              data-testid="issue-type"
            />
            <TextInput
              type="date"
              label={t('key.startsAt')}
              value={startsAt}
              onChange={(e) => setStartsAt(e.currentTarget.value)}
              error={fieldError(issue.error, 'startsAt')}
              data-testid="issue-starts"
            />
            <Button
              onClick={() => issue.mutate()}
              disabled={!typeId}
              loading={issue.isPending}
              data-testid="issue-license"
            >
              {t('key.issue')}
            </Button>
          </Group>
          <ErrorAlert error={issue.error} />
        </Card>
      )}
    </Stack>
  );
}

function Coupons({ card }: { card: KeyCard }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const redemptions = useQuery({
    queryKey: ['redemptions', card.id],
    queryFn: () => ok(api.GET('/v1/keys/{id}/redemptions', { params: { path: { id: card.id } } })),
  });
  const revert = useMutation({
    mutationFn: (id: string) =>
      ok(api.POST('/v1/redemptions/{id}/actions/revert', { params: { path: { id } } })),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['redemptions', card.id] }),
        queryClient.invalidateQueries({ queryKey: ['key', card.id] }),
      ]),
  });
  const describe = (r: Redemption) =>
    [
      r.effect.created.length ? `${t('key.created')}: ${r.effect.created.length}` : '',
      r.effect.extended.length ? `${t('key.extended')}: ${r.effect.extended.length}` : '',
      r.effect.superseded.length ? `${t('key.superseded')}: ${r.effect.superseded.length}` : '',
    ]
      .filter(Boolean)
      .join(', ');
  return (
    <Stack>
      <Group>
        <Button
          variant="light"
          onClick={() => navigate(`/coupons?key=${card.id}`)}
          data-testid="upgrade-coupon"
        >
          {t('key.upgradeCoupon')}
        </Button>
      </Group>
      <Table data-testid="redemptions-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('coupons.coupon')}</Table.Th>
            <Table.Th>{t('common.date')}</Table.Th>
            <Table.Th>{t('key.channel')}</Table.Th>
            <Table.Th>{t('key.who')}</Table.Th>
            <Table.Th>{t('key.changed')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {redemptions.data?.data.map((r) => (
            <Table.Tr key={r.id} data-testid="redemption-row">
              <Table.Td>
                <Code>{r.code}</Code>
              </Table.Td>
              <Table.Td>{formatDateTime(r.redeemedAt)}</Table.Td>
              <Table.Td>{wordFor(t, 'channels', r.channel, r.channel)}</Table.Td>
              <Table.Td>{r.actor.name ?? r.actor.type}</Table.Td>
              <Table.Td>{describe(r)}</Table.Td>
              <Table.Td>
                {r.revertedAt ? (
                  t('key.reverted')
                ) : (
                  <ConfirmButton
                    size="compact-xs"
                    color="red"
                    variant="light"
                    question={t('key.revertQuestion')}
                    onConfirm={() => revert.mutate(r.id)}
                    testId="revert-redemption"
                  >
                    {t('key.revert')}
                  </ConfirmButton>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <ErrorAlert error={revert.error} />
    </Stack>
  );
}

function Sessions({ card }: { card: KeyCard }) {
  const { t } = useTranslation();
  const resource = (r: { kind: string; id: string; name: string | null }) => `${r.kind}: ${r.name ?? r.id}`;
  return (
    <Stack>
      <Title order={5}>{t('key.sessions')}</Title>
      <Table data-testid="sessions-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('key.product')}</Table.Th>
            <Table.Th>{t('key.resource')}</Table.Th>
            <Table.Th>{t('key.started')}</Table.Th>
            <Table.Th>{t('key.lastHeartbeat')}</Table.Th>
            <Table.Th>{t('key.expiresAt')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {card.sessions.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>{s.productCode}</Table.Td>
              <Table.Td>{resource(s.resource)}</Table.Td>
              <Table.Td>{formatDateTime(s.startedAt)}</Table.Td>
              <Table.Td>{formatDateTime(s.lastHeartbeatAt)}</Table.Td>
              <Table.Td>{formatDateTime(s.expiresAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <ShownOf shown={card.sessions.length} total={card.sessionsOpen} what="sessions" />
      <Title order={5}>{t('key.bindings')}</Title>
      <Table data-testid="bindings-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('key.product')}</Table.Th>
            <Table.Th>{t('key.resource')}</Table.Th>
            <Table.Th>{t('key.activatedAt')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {card.bindings.map((b) => (
            <Table.Tr key={b.id}>
              <Table.Td>{b.productCode}</Table.Td>
              <Table.Td>{resource(b.resource)}</Table.Td>
              <Table.Td>{formatDateTime(b.createdAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <ShownOf shown={card.bindings.length} total={card.bindingsBound} what="bindings" />
    </Stack>
  );
}

/** The license key card (seed 004): main settings, products bound to the key, redeemed coupons, sessions. */
export function KeyCardPage({ id }: { id: string }) {
  const { t } = useTranslation();
  // Live: the Sessions tab shows apps checking out and in.
  const card = useQuery({
    queryKey: ['key', id],
    queryFn: () => ok(api.GET('/v1/keys/{id}', { params: { path: { id } } })),
    refetchInterval: LIVE_REFRESH_MS,
  });
  if (!card.data) return <ErrorAlert error={card.error} />;
  return (
    <Stack>
      <Group>
        <Title order={3}>{t('key.title')}</Title>
        <Code data-testid="key-string">{card.data.key}</Code>
        <span data-testid="key-status">
          <StatusBadge status={card.data.status} label={wordFor(t, 'keyStatus', card.data.status)} />
        </span>
      </Group>
      {card.data.deletedAt && <Alert color="gray">{t('key.deleted')}</Alert>}
      <Tabs defaultValue="main">
        <Tabs.List>
          <Tabs.Tab value="main" data-testid="tab-main">
            {t('key.tabs.main')}
          </Tabs.Tab>
          <Tabs.Tab value="products" data-testid="tab-products">
            {t('key.tabs.products')}
          </Tabs.Tab>
          <Tabs.Tab value="coupons" data-testid="tab-coupons">
            {t('key.tabs.coupons')}
          </Tabs.Tab>
          <Tabs.Tab value="sessions" data-testid="tab-sessions">
            {t('key.tabs.sessions')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="main" pt="md">
          <MainSettings card={card.data} />
        </Tabs.Panel>
        <Tabs.Panel value="products" pt="md">
          <Products card={card.data} />
        </Tabs.Panel>
        <Tabs.Panel value="coupons" pt="md">
          <Coupons card={card.data} />
        </Tabs.Panel>
        <Tabs.Panel value="sessions" pt="md">
          <Sessions card={card.data} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
