import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Answer, api, type Body, type Item, ok } from '../api/client';
import { LIVE_REFRESH_MS } from '../api/paged-list';
import { type SessionCalls, usePortalSession } from '../api/session';
import {
  EmptyState,
  ErrorAlert,
  formatDate,
  formatDateTime,
  formatNumber,
  ShownOf,
  StatusBadge,
  wordFor,
} from '../components/common';
import { EntitlementsTable } from '../components/EntitlementTables';
import { IssueFromEntitlements } from '../components/IssueFromEntitlements';
import { LoginForm } from '../components/LoginForm';
import { ForgotPassword } from '../components/PasswordLinks';
import { ProfilePage } from '../components/ProfilePage';
import { RequestColumns, RequestSubject } from '../components/RequestSubject';
import { Shell } from '../components/Shell';
import { VendorChoice, type VendorOption, vendorsOffered } from '../components/VendorChoice';
import { navigate, usePath } from '../router';

const session = {
  me: () => ok(api.GET('/v1/customer/me')),
  logIn: (body) => ok(api.POST('/v1/customer/auth/login', { body })),
  logOut: () => ok(api.POST('/v1/customer/auth/logout')),
} satisfies SessionCalls<Answer<'/v1/customer/me'>, Body<'/v1/customer/auth/login', 'post'>>;

type CabinetLicense = Item<'/v1/customer/licenses'>;
/**
 * A device (or other resource) a license is activated on, or a live session. The server's schema declares
 * GET /v1/customer/devices' lists as `unknown[]`; this is what its service returns, narrowed here.
 */
interface Resource {
  kind: string;
  id: string;
  name: string | null;
  product: string;
  lastHeartbeatAt?: string;
}
/** The answer's lists are typed `unknown[]` by the server's schema: their rows are resources. */
type Devices = Omit<Answer<'/v1/customer/devices'>, 'resources' | 'sessions'> & {
  resources: Resource[];
  sessions: Resource[];
};

const STATE_COLORS: Record<string, string> = {
  free: 'unused',
  activated: 'active',
  expired: 'expired',
  suspended: 'suspended',
};

function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['customer'] });
}

function RedeemCoupon() {
  const { t } = useTranslation();
  const refresh = useRefresh();
  const [coupon, setCoupon] = useState('');
  const redeem = useMutation({
    mutationFn: () => ok(api.POST('/v1/customer/coupons/redeem', { body: { coupon } })),
    onSuccess: () => {
      setCoupon('');
      return refresh();
    },
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('customerCabinet.redeem')}</Title>
        <Group align="end">
          <TextInput
            label={t('coupons.coupon')}
            value={coupon}
            onChange={(e) => setCoupon(e.currentTarget.value)}
            w={320}
            data-testid="customer-coupon"
          />
          <Button onClick={() => redeem.mutate()} loading={redeem.isPending} data-testid="customer-redeem">
            {t('customerCabinet.redeem')}
          </Button>
        </Group>
        {redeem.isSuccess && <StatusBadge status="active" label={t('customerCabinet.redeemed')} />}
        <ErrorAlert error={redeem.error} />
      </Stack>
    </Card>
  );
}

/** Seed 003: licenses activated offline are added by typing an activation code or uploading license files. */
function AttachLicenses() {
  const { t } = useTranslation();
  const refresh = useRefresh();
  const [code, setCode] = useState('');
  const byCode = useMutation({
    mutationFn: () => ok(api.POST('/v1/customer/licenses/attach', { body: { code } })),
    onSuccess: () => {
      setCode('');
      return refresh();
    },
  });
  const byFiles = useMutation({
    mutationFn: async (files: FileList) =>
      ok(
        api.POST('/v1/customer/licenses/attach', {
          body: { files: await Promise.all([...files].map((f) => f.text())) },
        }),
      ),
    onSuccess: refresh,
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('customerCabinet.attach')}</Title>
        <Group align="end">
          <TextInput
            label={t('customerCabinet.code')}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            w={380}
            data-testid="attach-code"
          />
          <Button
            variant="light"
            onClick={() => byCode.mutate()}
            disabled={!code}
            data-testid="attach-code-submit"
          >
            {t('customerCabinet.addCode')}
          </Button>
        </Group>
        <Text size="sm">{t('customerCabinet.files')}</Text>
        <input
          type="file"
          multiple
          aria-label={t('customerCabinet.files')}
          onChange={(e) => e.currentTarget.files && byFiles.mutate(e.currentTarget.files)}
          data-testid="attach-files"
        />
        <ErrorAlert error={byCode.error ?? byFiles.error} />
      </Stack>
    </Card>
  );
}

function Licenses({ licenses }: { licenses: CabinetLicense[] }) {
  const { t } = useTranslation();
  const refresh = useRefresh();
  const requests = useCustomerRequests();
  const renewalOpen = new Set(
    (requests.data?.data ?? [])
      .filter((r) => r.kind === 'renew' && r.state === 'open')
      .map((r) => r.licenseId),
  );
  const renew = useMutation({
    mutationFn: (licenseId: string) =>
      ok(api.POST('/v1/customer/requests', { body: { kind: 'renew', licenseId } })),
    onSuccess: refresh,
  });
  return (
    <>
      <Table data-testid="customer-licenses">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('key.product')}</Table.Th>
            <Table.Th>{t('key.status')}</Table.Th>
            <Table.Th>{t('key.expiresAt')}</Table.Th>
            <Table.Th>{t('customerCabinet.activatedOn')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {licenses.map((license) => (
            <Table.Tr key={license.id} data-testid="customer-license-row">
              <Table.Td>
                {license.productName}{' '}
                <Text span size="xs" c="dimmed">
                  ({wordFor(t, 'customerCabinet.origin', license.origin)})
                </Text>
              </Table.Td>
              <Table.Td>
                <StatusBadge
                  status={STATE_COLORS[license.cabinetState] ?? 'unused'}
                  label={wordFor(t, 'customerCabinet.states', license.cabinetState)}
                />
              </Table.Td>
              <Table.Td data-testid="license-expiry">
                {formatDate(license.expiresAt, t('common.perpetual'))}
              </Table.Td>
              <Table.Td>
                {license.activations.map((a) => a.name ?? a.id).join(', ')}
                {/* The server lists the first 100 of a license's activations; seatsUsed counts them all. */}
                {license.seatsUsed > license.activations.length &&
                  ` … +${formatNumber(license.seatsUsed - license.activations.length)}`}
              </Table.Td>
              <Table.Td>
                {license.expiresAt && (
                  <Button
                    size="compact-xs"
                    variant="light"
                    disabled={renewalOpen.has(license.id)}
                    onClick={() => renew.mutate(license.id)}
                    data-testid="renew-license"
                  >
                    {renewalOpen.has(license.id) ? t('requests.alreadyOpen') : t('customerCabinet.renew')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={licenses.length === 0} testId="customer-licenses-empty">
        {t('empty.customerLicenses')}
      </EmptyState>
      <ErrorAlert error={renew.error} />
    </>
  );
}

function Devices() {
  const { t } = useTranslation();
  const devices = useQuery({
    queryKey: ['customer', 'devices'],
    queryFn: () => ok(api.GET('/v1/customer/devices')) as Promise<Devices>,
    refetchInterval: LIVE_REFRESH_MS,
  });
  const row = (r: Resource, i: number) => (
    <Table.Tr key={`${r.kind}-${r.id}-${i}`}>
      <Table.Td>{r.kind}</Table.Td>
      <Table.Td>{r.name ?? r.id}</Table.Td>
      <Table.Td>{r.product}</Table.Td>
      <Table.Td>{r.lastHeartbeatAt ? formatDateTime(r.lastHeartbeatAt) : ''}</Table.Td>
    </Table.Tr>
  );
  return (
    <Stack>
      <Title order={4}>{t('customerCabinet.devices')}</Title>
      <Table data-testid="customer-devices">
        <Table.Tbody>{devices.data?.resources.map(row)}</Table.Tbody>
      </Table>
      {devices.data && (
        <ShownOf shown={devices.data.resources.length} total={devices.data.resourcesBound} what="bindings" />
      )}
      <EmptyState when={devices.isSuccess && devices.data.resources.length === 0} testId="devices-empty">
        {t('empty.devices')}
      </EmptyState>
      <Title order={4}>{t('customerCabinet.sessions')}</Title>
      <Table data-testid="customer-sessions">
        <Table.Tbody>{devices.data?.sessions.map(row)}</Table.Tbody>
      </Table>
      {devices.data && (
        <ShownOf shown={devices.data.sessions.length} total={devices.data.sessionsOpen} what="sessions" />
      )}
      <EmptyState when={devices.isSuccess && devices.data.sessions.length === 0} testId="sessions-empty">
        {t('empty.sessions')}
      </EmptyState>
    </Stack>
  );
}

/** Entitlements received through a partner's draw-down, spent here on licenses (seed 002). */
function Entitlements() {
  const { t } = useTranslation();
  const entitlements = useQuery({
    queryKey: ['customer', 'entitlements'],
    queryFn: () => ok(api.GET('/v1/customer/entitlements')),
  });
  if (!entitlements.data?.data.length) return null;
  return (
    <Stack>
      <Title order={4}>{t('entitlements.title')}</Title>
      <EntitlementsTable rows={entitlements.data.data} />
      <IssueFromEntitlements
        queryKey={['customer']}
        account="self"
        readEntitlements={() => ok(api.GET('/v1/customer/entitlements'))}
        issueLicense={(body) => ok(api.POST('/v1/customer/entitlements/issue', { body }))}
      />
    </Stack>
  );
}

const useCustomerRequests = () =>
  useQuery({
    queryKey: ['customer', 'requests'],
    queryFn: () => ok(api.GET('/v1/customer/requests')),
    refetchInterval: LIVE_REFRESH_MS,
  });

/** Seed 003: "Order a new license" — product, license type, quantity, comment; the vendor fulfils it. */
function OrderForm() {
  const { t } = useTranslation();
  const refresh = useRefresh();
  const catalog = useQuery({
    queryKey: ['customer', 'catalog'],
    queryFn: () => ok(api.GET('/v1/customer/catalog')),
  });
  const [productId, setProductId] = useState<string | null>(null);
  const [typeId, setTypeId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number>(1);
  const [comment, setComment] = useState('');
  const products = catalog.data?.data ?? [];
  const types = products.find((p) => p.id === productId)?.licenseTypes ?? [];
  const order = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/customer/requests', {
          body: {
            kind: 'order',
            productId: productId ?? undefined,
            ...(typeId ? { licenseTypeId: typeId } : {}),
            quantity,
            ...(comment ? { comment } : {}),
          },
        }),
      ),
    onSuccess: () => {
      setProductId(null);
      setTypeId(null);
      setQuantity(1);
      setComment('');
      refresh();
    },
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('requests.orderNew')}</Title>
        <Group grow align="end">
          <Select
            label={t('requests.product')}
            data={products.map((p) => ({ value: p.id, label: p.name }))}
            value={productId}
            allowDeselect={false}
            onChange={(value) => {
              setProductId(value);
              setTypeId(null);
            }}
            data-testid="order-product"
          />
          <Select
            label={t('requests.licenseType')}
            data={types.map((type) => ({ value: type.id, label: type.name }))}
            value={typeId}
            allowDeselect={false}
            onChange={setTypeId}
            disabled={!productId}
            data-testid="order-type"
          />
          <NumberInput
            label={t('requests.quantity')}
            min={1}
            max={100}
            value={quantity}
            onChange={(value) => setQuantity(Number(value) || 1)}
            data-testid="order-quantity"
          />
        </Group>
        <Textarea
          label={t('common.comment')}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          data-testid="order-comment"
        />
        <ErrorAlert error={order.error} />
        <Group>
          <Button onClick={() => order.mutate()} disabled={!productId} data-testid="order-submit">
            {t('requests.sendOrder')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function Requests() {
  const { t } = useTranslation();
  const requests = useCustomerRequests();
  return (
    <Stack>
      <Title order={4}>{t('customerCabinet.requests')}</Title>
      <OrderForm />
      <Table data-testid="customer-requests">
        <RequestColumns columns={['kind', 'subject', 'state', 'date']} />
        <Table.Tbody>
          {requests.data?.data.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>{wordFor(t, 'requests', r.kind)}</Table.Td>
              <Table.Td>
                <RequestSubject request={r} />
              </Table.Td>
              <Table.Td data-testid="request-state">{wordFor(t, 'requests', r.state)}</Table.Td>
              <Table.Td>{formatDateTime(r.createdAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState
        when={requests.isSuccess && requests.data.data.length === 0}
        testId="customer-requests-empty"
      >
        {t('empty.customerRequests')}
      </EmptyState>
    </Stack>
  );
}

function EmailLogin({
  logIn,
}: {
  logIn: (body: { email: string; password: string; vendor?: string }) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [vendor, setVendor] = useState<string>();
  const [vendors, setVendors] = useState<VendorOption[]>();
  const login = useMutation({
    meta: { quiet: true },
    mutationFn: () => logIn({ email, password, vendor }),
    onError: (error) => setVendors((offered) => vendorsOffered(error) ?? offered),
  });
  return (
    <Card withBorder w={380} mx="auto" mt="md">
      <Stack>
        <Text size="sm">{t('customerCabinet.loginByEmail')}</Text>
        <TextInput
          label={t('login.email')}
          value={email}
          onChange={(e) => {
            setEmail(e.currentTarget.value);
            setVendors(undefined);
            setVendor(undefined);
          }}
          data-testid="customer-email"
        />
        <PasswordInput
          label={t('login.password')}
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          data-testid="customer-password"
        />
        <VendorChoice vendors={vendors} value={vendor} onChange={setVendor} />
        <ErrorAlert error={login.error} />
        <Button variant="light" onClick={() => login.mutate()} data-testid="customer-email-login">
          {t('login.submit')}
        </Button>
        <ForgotPassword portal="customer" />
      </Stack>
    </Card>
  );
}

/** The customer cabinet (seeds 003 and 004): log in by license key or e-mail, see licenses and devices, add, renew, redeem. */
export function CustomerApp() {
  const { t } = useTranslation();
  const path = usePath();
  const { me, logIn, logOut, replaceMe } = usePortalSession('customer', session);
  const licenses = useQuery({
    queryKey: ['customer', 'licenses'],
    queryFn: () => ok(api.GET('/v1/customer/licenses')),
    enabled: Boolean(me.data),
    refetchInterval: LIVE_REFRESH_MS,
  });
  if (me.isPending) return null;
  if (!me.data) {
    return (
      <>
        <LoginForm
          title={t('customerCabinet.login')}
          submitLabel={t('login.submit')}
          fields={[{ name: 'key', label: t('customerCabinet.key') }]}
          onSubmit={(values) => logIn({ key: values.key ?? '' })}
        />
        <EmailLogin logIn={logIn} />
      </>
    );
  }
  const logout = async () => {
    await logOut();
    navigate('/customer');
  };
  const rows = licenses.data?.data ?? [];
  return (
    <Shell
      title={`${t('customerCabinet.title')} · ${me.data.vendor.name}`}
      nav={[]}
      user={me.data.customer.name}
      profilePath="/customer/profile"
      onLogout={logout}
    >
      {path === '/customer/profile' ? (
        <ProfilePage
          details={[
            { label: t('profile.customer'), value: me.data.customer.name },
            {
              label: t('profile.login'),
              value: t(me.data.loggedInWithKey ? 'profile.loginKey' : 'profile.loginPassword'),
            },
          ]}
          language={me.data.customer.language}
          save={
            me.data.loggedInWithKey
              ? undefined
              : async (body) =>
                  replaceMe(await ok(api.PATCH('/v1/customer/me', { body: { language: body.language } })))
          }
          readOnlyNote={t('profile.keyLoginNote')}
        />
      ) : (
        <Stack>
          {rows.some((l) => l.status === 'expiring') && (
            <Alert color="yellow" data-testid="expiring-banner">
              {t('customerCabinet.expiringBanner')}
            </Alert>
          )}
          <Group>
            {me.data.keys.map((k) => (
              <Code key={k.id}>{k.key}</Code>
            ))}
          </Group>
          <Title order={3}>{t('customerCabinet.licenses')}</Title>
          <Licenses licenses={rows} />
          <Devices />
          <AttachLicenses />
          <Entitlements />
          <Requests />
          <RedeemCoupon />
        </Stack>
      )}
    </Shell>
  );
}
