import { Button, Card, Code, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post, rememberCsrf } from '../api/client';
import type { License, List } from '../api/types';
import { ErrorAlert, formatDate, StatusBadge } from '../components/common';
import { LoginForm } from '../components/LoginForm';
import { Shell } from '../components/Shell';
import { navigate } from '../router';

interface CustomerMe {
  customer: { id: string; name: string };
  vendor: { name: string };
  keys: { id: string; key: string }[];
  csrfToken: string;
}

function RedeemCoupon() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [coupon, setCoupon] = useState('');
  const redeem = useMutation({
    mutationFn: () => post('/v1/customer/coupons/redeem', { coupon }),
    onSuccess: () => {
      setCoupon('');
      return queryClient.invalidateQueries({ queryKey: ['customer', 'licenses'] });
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

/** The customer cabinet (seeds 003 and 004): log in with the license key, see licenses, activate coupons. */
export function CustomerApp() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: ['customer', 'me'],
    queryFn: async () => {
      try {
        const answer = await get<CustomerMe>('/v1/customer/me');
        rememberCsrf('customer', answer.csrfToken);
        return answer;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
  });
  const licenses = useQuery({
    queryKey: ['customer', 'licenses'],
    queryFn: () => get<List<License>>('/v1/customer/licenses'),
    enabled: Boolean(me.data),
  });
  if (me.isPending) return null;
  if (!me.data) {
    return (
      <LoginForm
        title={t('customerCabinet.login')}
        submitLabel={t('login.submit')}
        fields={[{ name: 'key', label: t('customerCabinet.key') }]}
        onSubmit={async (values) => {
          const answer = await post<CustomerMe>('/v1/customer/auth/login', { key: values.key ?? '' });
          rememberCsrf('customer', answer.csrfToken);
          queryClient.setQueryData(['customer', 'me'], answer);
        }}
      />
    );
  }
  const logout = async () => {
    await post('/v1/customer/auth/logout');
    queryClient.clear();
    navigate('/customer');
  };
  return (
    <Shell
      title={`${t('customerCabinet.title')} · ${me.data.vendor.name}`}
      nav={[]}
      user={me.data.customer.name}
      onLogout={logout}
    >
      <Stack>
        <Group>
          {me.data.keys.map((k) => (
            <Code key={k.id}>{k.key}</Code>
          ))}
        </Group>
        <Title order={3}>{t('customerCabinet.licenses')}</Title>
        <Table data-testid="customer-licenses">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('key.product')}</Table.Th>
              <Table.Th>{t('key.status')}</Table.Th>
              <Table.Th>{t('key.expiresAt')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {licenses.data?.data.map((license) => (
              <Table.Tr key={license.id} data-testid="customer-license-row">
                <Table.Td>{license.productName}</Table.Td>
                <Table.Td>
                  <StatusBadge status={license.status} label={t(`status.${license.status}`)} />
                </Table.Td>
                <Table.Td>{formatDate(license.expiresAt, t('common.perpetual'))}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <RedeemCoupon />
      </Stack>
    </Shell>
  );
}
