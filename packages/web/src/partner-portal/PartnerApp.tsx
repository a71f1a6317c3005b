import {
  Button,
  Card,
  Group,
  NumberInput,
  Radio,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Answer, api, type Body, type Item, ok } from '../api/client';
import { LoadMore, readAllPages, usePagedList } from '../api/paged-list';
import { type SessionCalls, usePortalSession } from '../api/session';
import { EmptyState, ErrorAlert, formatDateTime, StatusBadge, wordFor } from '../components/common';
import { EntitlementsTable, OrdersTable } from '../components/EntitlementTables';
import { IssueFromEntitlements } from '../components/IssueFromEntitlements';
import { StaffLoginForm } from '../components/LoginForm';
import { ProfilePage } from '../components/ProfilePage';
import { RequestColumns, RequestSubject } from '../components/RequestSubject';
import { Shell } from '../components/Shell';
import { navigate, usePath } from '../router';

const session = {
  me: () => ok(api.GET('/v1/partner/me')),
  logIn: (body) => ok(api.POST('/v1/partner/auth/login', { body })),
  logOut: () => ok(api.POST('/v1/partner/auth/logout')),
} satisfies SessionCalls<Answer<'/v1/partner/me'>, Body<'/v1/partner/auth/login', 'post'>>;

type Drawdown = Item<'/v1/partner/drawdowns'>;
type DrawdownBody = Body<'/v1/partner/drawdowns', 'post'>;
/**
 * The server's schema leaves a drawdown's `newCustomer` open (`unknown`): it holds what the request's
 * `customer` was, a new account's fields or `{ id }` of an existing customer. Narrowed here.
 */
const newCustomerOf = (drawdown: Drawdown) => drawdown.newCustomer as DrawdownBody['customer'] | null;

/** One page of the partner's customers by name (searched when `q`). */
const readCustomers = (cursor: string | undefined, q?: string, limit = 50) =>
  ok(api.GET('/v1/partner/customers', { params: { query: { cursor, q: q || undefined, limit } } }));
/** Every customer of the partner, for the account switcher and the draw-down form's customer picker. */
const readAllCustomers = () => readAllPages((cursor) => readCustomers(cursor, undefined, 200));

/** Seed 002: own entitlements and each customer's, through "Select an account". */
function EntitlementsPage() {
  const { t } = useTranslation();
  const [account, setAccount] = useState<string>('self');
  const customers = useQuery({
    queryKey: ['partner', 'customers'],
    queryFn: readAllCustomers,
  });
  const readEntitlements = (customerId: string | undefined) => () =>
    ok(api.GET('/v1/partner/entitlements', { params: { query: { customerId } } }));
  const entitlements = useQuery({
    queryKey: ['partner', 'entitlements', account],
    queryFn: readEntitlements(account === 'self' ? undefined : account),
  });
  return (
    <Stack>
      <Title order={3}>{t('entitlements.title')}</Title>
      <Select
        label={t('entitlements.account')}
        data={[
          { value: 'self', label: t('entitlements.own') },
          ...(customers.data?.data ?? []).map((c) => ({ value: c.id, label: c.name })),
        ]}
        value={account}
        onChange={(value) => setAccount(value ?? 'self')}
        w={360}
        data-testid="account-switcher"
      />
      <EntitlementsTable rows={entitlements.data?.data ?? []} loaded={entitlements.isSuccess} />
      {account !== 'self' && (
        <IssueFromEntitlements
          queryKey={['partner', 'entitlements']}
          account={account}
          readEntitlements={readEntitlements(account)}
          issueLicense={(body) =>
            ok(api.POST('/v1/partner/customers/{id}/licenses', { params: { path: { id: account } }, body }))
          }
        />
      )}
    </Stack>
  );
}

type Quantities = Record<string, number | string>;

function DrawdownForm({ draft, onDone }: { draft?: Drawdown; onDone: () => void }) {
  const { t } = useTranslation();
  const orders = useQuery({
    queryKey: ['partner', 'orders'],
    queryFn: () =>
      readAllPages((cursor) =>
        ok(api.GET('/v1/partner/orders', { params: { query: { limit: 200, cursor } } })),
      ),
  });
  const customers = useQuery({
    queryKey: ['partner', 'customers'],
    queryFn: readAllCustomers,
  });
  const drafted = draft && newCustomerOf(draft);
  const initialNew = drafted && !('id' in drafted) ? drafted : undefined;
  const [orderId, setOrderId] = useState<string | null>(draft?.orderId ?? null);
  const [mode, setMode] = useState(draft?.customerId ? 'existing' : 'new');
  const [customerId, setCustomerId] = useState<string | null>(draft?.customerId ?? null);
  const [account, setAccount] = useState({
    name: initialNew?.name ?? '',
    website: initialNew?.website ?? '',
    contactName: initialNew?.contactName ?? '',
    email: initialNew?.email ?? '',
  });
  const [quantities, setQuantities] = useState<Quantities>(
    Object.fromEntries((draft?.items ?? []).map((i) => [i.orderItemId, i.quantity])),
  );
  const order = orders.data?.data.find((o) => o.id === orderId);
  const body = (): DrawdownBody => ({
    orderId: orderId ?? '',
    customer:
      mode === 'existing'
        ? { id: customerId ?? '' }
        : {
            name: account.name,
            website: account.website || null,
            contactName: account.contactName || null,
            email: account.email || null,
          },
    items: Object.entries(quantities)
      .filter(([, quantity]) => Number(quantity) > 0)
      .map(([orderItemId, quantity]) => ({ orderItemId, quantity: Number(quantity) })),
  });
  const save = useMutation({
    mutationFn: async () => {
      if (!draft) return ok(api.POST('/v1/partner/drawdowns', { body: body() }));
      const params = { path: { id: draft.id } };
      await ok(api.PATCH('/v1/partner/drawdowns/{id}', { params, body: body() }));
      return ok(
        api.POST('/v1/partner/drawdowns/{id}/actions/{action}', {
          params: { path: { ...params.path, action: 'submit' } },
        }),
      );
    },
    onSuccess: onDone,
  });
  return (
    <Card withBorder data-testid="drawdown-form">
      <Stack>
        <Select
          label={t('drawdowns.order')}
          data={(orders.data?.data ?? []).map((o) => ({
            value: o.id,
            // Each order with its lines, so the partner picks the right one.
            label: `${o.reference}: ${o.items.map((i) => `${i.productName} · ${i.licenseTypeName} × ${i.quantity}`).join(', ')}`,
          }))}
          value={orderId}
          onChange={setOrderId}
          data-testid="drawdown-order"
        />
        <Radio.Group label={t('drawdowns.customer')} value={mode} onChange={setMode}>
          <Group>
            <Radio value="existing" label={t('drawdowns.existing')} />
            <Radio value="new" label={t('drawdowns.newAccount')} data-testid="drawdown-new-account" />
          </Group>
        </Radio.Group>
        {mode === 'existing' ? (
          <Select
            aria-label={t('drawdowns.existing')}
            data={(customers.data?.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={customerId}
            onChange={setCustomerId}
          />
        ) : (
          <Group grow>
            <TextInput
              label={t('drawdowns.customer')}
              value={account.name}
              onChange={(e) => setAccount({ ...account, name: e.currentTarget.value })}
              data-testid="drawdown-account-name"
            />
            <TextInput
              label={t('drawdowns.website')}
              value={account.website}
              onChange={(e) => setAccount({ ...account, website: e.currentTarget.value })}
            />
            <TextInput
              label={t('drawdowns.contactName')}
              value={account.contactName}
              onChange={(e) => setAccount({ ...account, contactName: e.currentTarget.value })}
            />
            <TextInput
              label={t('drawdowns.contactEmail')}
              value={account.email}
              onChange={(e) => setAccount({ ...account, email: e.currentTarget.value })}
            />
          </Group>
        )}
        {order?.items.map((item) => (
          <NumberInput
            key={item.id}
            label={`${item.productName} — ${item.licenseTypeName} (≤ ${item.quantity})`}
            min={0}
            value={quantities[item.id] ?? 0}
            onChange={(value) => setQuantities({ ...quantities, [item.id]: value })}
            w={360}
            data-testid={`drawdown-quantity-${item.licenseTypeName}`}
          />
        ))}
        <ErrorAlert error={save.error} />
        <Group>
          <Button
            onClick={() => save.mutate()}
            disabled={!orderId}
            loading={save.isPending}
            data-testid="drawdown-save"
          >
            {t('drawdowns.save')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function DrawdownsPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Drawdown | 'new' | null>(null);
  const drawdowns = usePagedList(
    ['partner', 'drawdowns'],
    (cursor) => ok(api.GET('/v1/partner/drawdowns', { params: { query: { cursor } } })),
    { live: true },
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['partner'] });
  const act = useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'accept' | 'clone' }) =>
      ok(api.POST('/v1/partner/drawdowns/{id}/actions/{action}', { params: { path: { id, action } } })),
    onSuccess: async (result, { action }) => {
      await refresh();
      if (action === 'clone') setEditing(result);
    },
  });
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{t('drawdowns.title')}</Title>
        <Button onClick={() => setEditing('new')} data-testid="drawdown-new">
          {t('drawdowns.new')}
        </Button>
      </Group>
      {editing && (
        <DrawdownForm
          key={editing === 'new' ? 'new' : editing.id}
          draft={editing === 'new' ? undefined : editing}
          onDone={() => {
            setEditing(null);
            void refresh();
          }}
        />
      )}
      <ErrorAlert error={act.error} />
      <Table data-testid="partner-drawdowns">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('partners.reference')}</Table.Th>
            <Table.Th>{t('drawdowns.forCustomer')}</Table.Th>
            <Table.Th>{t('common.state')}</Table.Th>
            <Table.Th>{t('drawdowns.reason')}</Table.Th>
            <Table.Th>{t('drawdowns.created')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {drawdowns.items.map((d) => (
            <Table.Tr key={d.id} data-testid={`drawdown-${d.reference}`}>
              <Table.Td>{d.reference}</Table.Td>
              <Table.Td>{d.customerName}</Table.Td>
              <Table.Td>
                <StatusBadge status={d.state} label={wordFor(t, 'drawdowns.states', d.state)} />
              </Table.Td>
              <Table.Td>
                {d.rejectionReason && (
                  <Text c="red" size="sm" data-testid="rejection-reason">
                    {d.rejectionReason}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{formatDateTime(d.createdAt)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {d.state === 'approved' && (
                    <Button
                      size="compact-sm"
                      color="teal"
                      onClick={() => act.mutate({ id: d.id, action: 'accept' })}
                      data-testid="drawdown-accept"
                    >
                      {t('drawdowns.accept')}
                    </Button>
                  )}
                  {d.state === 'draft' && (
                    <Button size="compact-sm" onClick={() => setEditing(d)}>
                      {t('drawdowns.submit')}
                    </Button>
                  )}
                  <Button
                    size="compact-sm"
                    variant="light"
                    onClick={() => act.mutate({ id: d.id, action: 'clone' })}
                    data-testid="drawdown-clone"
                  >
                    {t('drawdowns.clone')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {drawdowns.isSuccess && drawdowns.items.length === 0 && (
        <Text c="dimmed" data-testid="drawdowns-empty">
          {t('drawdowns.emptyPartner')}
        </Text>
      )}
      <LoadMore list={drawdowns} />
    </Stack>
  );
}

function OrdersPage() {
  const { t } = useTranslation();
  const orders = usePagedList(['partner', 'orders', 'paged'], (cursor) =>
    ok(api.GET('/v1/partner/orders', { params: { query: { limit: 50, cursor } } })),
  );
  return (
    <Stack>
      <Title order={3}>{t('partnerPortal.orders')}</Title>
      <OrdersTable orders={orders.items} empty={orders.isSuccess ? t('empty.partnerOrders') : undefined} />
      <LoadMore list={orders} />
    </Stack>
  );
}

function RequestsPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const requests = usePagedList(
    ['partner', 'requests'],
    (cursor) => ok(api.GET('/v1/partner/service-requests', { params: { query: { cursor } } })),
    { live: true },
  );
  const fulfil = useMutation({
    mutationFn: (id: string) =>
      ok(api.POST('/v1/partner/service-requests/{id}/actions/fulfil', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['partner', 'requests'] }),
  });
  return (
    <Stack>
      <Title order={3}>{t('requests.title')}</Title>
      <ErrorAlert error={fulfil.error} />
      <Table data-testid="partner-requests">
        <RequestColumns columns={['customer', 'kind', 'subject', 'date', 'state']} />
        <Table.Tbody>
          {requests.items.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>{r.customerName}</Table.Td>
              <Table.Td>{wordFor(t, 'requests', r.kind)}</Table.Td>
              <Table.Td>
                <RequestSubject request={r} />
              </Table.Td>
              <Table.Td>{formatDateTime(r.createdAt)}</Table.Td>
              <Table.Td>
                {r.state === 'open' && r.kind === 'renew' ? (
                  <Button size="compact-sm" onClick={() => fulfil.mutate(r.id)}>
                    {t('requests.fulfil')}
                  </Button>
                ) : (
                  wordFor(t, 'requests', r.state)
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

/** The partner's customers by name, paged to the end, searched by words of name, contact, e-mail or key. */
function CustomersPage() {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const customers = usePagedList(['partner', 'customers', 'paged', q], (cursor) => readCustomers(cursor, q));
  return (
    <Stack>
      <Title order={3}>{t('partnerPortal.customers')}</Title>
      <TextInput
        aria-label={t('common.search')}
        placeholder={t('licenses.searchPlaceholder')}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        data-testid="partner-customer-search"
      />
      <Table.ScrollContainer minWidth={560}>
        <Table data-testid="partner-customers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('common.name')}</Table.Th>
              <Table.Th>{t('customers.website')}</Table.Th>
              <Table.Th>{t('customers.contactName')}</Table.Th>
              <Table.Th>{t('customers.email')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {customers.items.map((c) => (
              <Table.Tr key={c.id} data-testid="partner-customer-row">
                <Table.Td>{c.name}</Table.Td>
                <Table.Td>{c.website}</Table.Td>
                <Table.Td>{c.contactName}</Table.Td>
                <Table.Td>{c.email}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <EmptyState when={customers.isSuccess && customers.items.length === 0} testId="partner-customers-empty">
        {q ? t('empty.customersFound') : t('empty.partnerCustomers')}
      </EmptyState>
      <LoadMore list={customers} />
    </Stack>
  );
}

/** The partner portal (seed 002). */
export function PartnerApp() {
  const { t } = useTranslation();
  const path = usePath();
  const { me, logIn, logOut, replaceMe } = usePortalSession('partner', session);
  if (me.isPending) return null;
  if (!me.data) {
    return <StaffLoginForm title={t('partnerPortal.login')} portal="partner" logIn={logIn} />;
  }
  const nav = [
    { to: '/partner', label: t('entitlements.title') },
    { to: '/partner/orders', label: t('partnerPortal.orders') },
    { to: '/partner/drawdowns', label: t('drawdowns.title') },
    { to: '/partner/customers', label: t('partnerPortal.customers') },
    { to: '/partner/requests', label: t('nav.requests') },
  ];
  const logout = async () => {
    await logOut();
    navigate('/partner');
  };
  const page =
    path === '/partner/profile' ? (
      <ProfilePage
        details={[
          { label: 'E-mail', value: me.data.user.email },
          { label: t('profile.partner'), value: me.data.partner.name },
        ]}
        name={me.data.user.name}
        language={me.data.user.language}
        save={async (body) => replaceMe(await ok(api.PATCH('/v1/partner/me', { body })))}
        changePassword={(body) => ok(api.POST('/v1/partner/me/password', { body }))}
      />
    ) : path.startsWith('/partner/orders') ? (
      <OrdersPage />
    ) : path.startsWith('/partner/drawdowns') ? (
      <DrawdownsPage />
    ) : path.startsWith('/partner/customers') ? (
      <CustomersPage />
    ) : path.startsWith('/partner/requests') ? (
      <RequestsPage />
    ) : (
      <EntitlementsPage />
    );
  return (
    <Shell
      title={`${t('partnerPortal.title')} · ${me.data.partner.name}`}
      nav={nav}
      user={me.data.user.email}
      profilePath="/partner/profile"
      onLogout={logout}
    >
      {page}
    </Shell>
  );
}
