import { Button, Card, Group, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Body, ok } from '../api/client';
import type { Partner } from '../api/models';
import { LoadMore, usePagedList } from '../api/paged-list';
import { EmptyState, ErrorAlert, fieldError } from '../components/common';
import { EntitlementsTable, OrdersTable } from '../components/EntitlementTables';

function PartnerDetail({ partner }: { partner: Partner }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [user, setUser] = useState<Required<Omit<Body<'/v1/partners/{id}/users', 'post'>, 'password'>>>({
    email: '',
    name: '',
    language: 'ru',
  });
  type Line = { licenseTypeId: string | null; quantity: number | string };
  const [item, setItem] = useState<Line>({ licenseTypeId: null, quantity: 10 });
  // An order has as many lines as the partner bought: each added line waits here until the order is created.
  const [lines, setLines] = useState<Line[]>([]);
  const account = { accountType: 'partner', accountId: partner.id } as const;
  const orders = usePagedList(['orders', partner.id], (cursor) =>
    ok(api.GET('/v1/orders', { params: { query: { ...account, limit: 50, cursor } } })),
  );
  const entitlements = useQuery({
    queryKey: ['entitlements', partner.id],
    queryFn: () => ok(api.GET('/v1/entitlements', { params: { query: account } })),
  });
  const types = useQuery({ queryKey: ['license-types'], queryFn: () => ok(api.GET('/v1/license-types')) });
  const addUser = useMutation({
    mutationFn: () =>
      ok(api.POST('/v1/partners/{id}/users', { params: { path: { id: partner.id } }, body: user })),
  });
  const addOrder = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/orders', {
          body: {
            account: { type: 'partner', id: partner.id },
            items: [...lines, ...(item.licenseTypeId ? [item] : [])].map((line) => ({
              licenseTypeId: line.licenseTypeId ?? '',
              quantity: Number(line.quantity),
            })),
          },
        }),
      ),
    onSuccess: () => {
      setLines([]);
      setItem({ licenseTypeId: null, quantity: 10 });
      return queryClient
        .invalidateQueries({ queryKey: ['orders', partner.id] })
        .then(() => queryClient.invalidateQueries({ queryKey: ['entitlements', partner.id] }));
    },
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{partner.name}</Title>
        <Title order={6}>{t('partners.newUser')}</Title>
        <Group align="end">
          <TextInput
            label="E-mail"
            value={user.email}
            onChange={(e) => setUser({ ...user, email: e.currentTarget.value })}
            error={fieldError(addUser.error, 'email')}
            data-testid="partner-user-email"
          />
          <TextInput
            label={t('common.name')}
            value={user.name}
            onChange={(e) => setUser({ ...user, name: e.currentTarget.value })}
            error={fieldError(addUser.error, 'name')}
            data-testid="partner-user-name"
          />
          <Select
            label={t('app.language')}
            data={['ru', 'en']}
            value={user.language}
            onChange={(v) => setUser({ ...user, language: v === 'ru' ? 'ru' : 'en' })}
            w={90}
          />
          <Button onClick={() => addUser.mutate()} data-testid="partner-user-create">
            {t('common.create')}
          </Button>
        </Group>
        {addUser.data && (
          <Text size="sm" c="green" data-testid="partner-user-invited">
            {t('passwords.invited', { email: addUser.data.email })}
          </Text>
        )}
        <ErrorAlert error={addUser.error} />
        <Title order={6}>{t('partners.newOrder')}</Title>
        <Group align="end">
          <Select
            label={t('key.licenseType')}
            data={(types.data?.data ?? []).map((lt) => ({
              value: lt.id,
              label: `${lt.productCode} — ${lt.name}`,
            }))}
            value={item.licenseTypeId}
            onChange={(v) => setItem({ ...item, licenseTypeId: v })}
            error={fieldError(addOrder.error, 'items')}
            w={360}
            data-testid="partner-order-type"
          />
          <NumberInput
            label={t('partners.quantity')}
            min={1}
            value={item.quantity}
            onChange={(v) => setItem({ ...item, quantity: v })}
            w={120}
            data-testid="partner-order-quantity"
          />
          <Button
            variant="light"
            disabled={!item.licenseTypeId}
            onClick={() => {
              setLines([...lines, item]);
              setItem({ licenseTypeId: null, quantity: 10 });
            }}
            data-testid="order-add-line"
          >
            {t('partners.addLine')}
          </Button>
          <Button
            onClick={() => addOrder.mutate()}
            disabled={!item.licenseTypeId && lines.length === 0}
            data-testid="order-create"
          >
            {t('common.create')}
          </Button>
        </Group>
        {lines.length > 0 && (
          <Text size="sm" data-testid="order-lines">
            {lines
              .map((line) => {
                const type = types.data?.data.find((lt) => lt.id === line.licenseTypeId);
                return `${type ? `${type.productCode} — ${type.name}` : line.licenseTypeId} × ${line.quantity}`;
              })
              .join('; ')}
          </Text>
        )}
        <ErrorAlert error={addOrder.error} />
        <OrdersTable orders={orders.items} empty={orders.isSuccess ? t('empty.orders') : undefined} />
        <LoadMore list={orders} />
        <EntitlementsTable rows={entitlements.data?.data ?? []} loaded={entitlements.isSuccess} />
      </Stack>
    </Card>
  );
}

/** Partners (distributors, resellers): their portal users, orders and entitlements. */
export function PartnersPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const partners = useQuery({ queryKey: ['partners'], queryFn: () => ok(api.GET('/v1/partners')) });
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/partners', { body: { name } })),
    onSuccess: () => {
      setName('');
      return queryClient.invalidateQueries({ queryKey: ['partners'] });
    },
  });
  return (
    <Stack>
      <Title order={3}>{t('partners.title')}</Title>
      <Group align="end">
        <TextInput
          label={t('partners.new')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(create.error, 'name')}
          data-testid="partner-name"
        />
        <Button onClick={() => create.mutate()} disabled={!name.trim()} loading={create.isPending}>
          {t('common.create')}
        </Button>
      </Group>
      <ErrorAlert error={create.error} />
      <EmptyState when={partners.isSuccess && partners.data.data.length === 0} testId="partners-empty">
        {t('empty.partners')}
      </EmptyState>
      {partners.data?.data.map((partner) => (
        <PartnerDetail key={partner.id} partner={partner} />
      ))}
    </Stack>
  );
}
