import { Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ok } from '../api/client';
import { LoadMore, usePagedList } from '../api/paged-list';
import { EmptyState, formatDate, SortableTh, StatusBadge, wordFor } from '../components/common';
import { Link } from '../router';

type Sort = 'newest' | 'expiry' | 'customer';

/** The sort a link asks for (`/licenses?sort=expiry`, from the dashboard's "expiring soon"). */
const sortOfUrl = (): Sort => {
  const sort = new URLSearchParams(window.location.search).get('sort');
  return sort === 'expiry' || sort === 'customer' ? sort : 'newest';
};

/**
 * Every license of the vendor across keys: newest first, or sorted on the server by expiry (soonest first) or
 * by customer, paged to the end; search keeps to the licenses of matching customers and keys.
 */
export function LicensesPage() {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [sort, setSortState] = useState<Sort>(sortOfUrl);
  const setSort = (next: Sort) => {
    const value = sort === next ? 'newest' : next;
    setSortState(value);
    window.history.replaceState(null, '', value === 'newest' ? '/licenses' : `/licenses?sort=${value}`);
  };
  const licenses = usePagedList(['licenses', 'paged', q, sort], (cursor) =>
    ok(api.GET('/v1/licenses', { params: { query: { limit: 50, sort, q: q || undefined, cursor } } })),
  );
  return (
    <Stack>
      <Title order={3}>{t('licenses.title')}</Title>
      <TextInput
        aria-label={t('common.search')}
        placeholder={t('licenses.searchPlaceholder')}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        data-testid="license-search"
      />
      <Table.ScrollContainer minWidth={640}>
        <Table data-testid="all-licenses">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('licenses.key')}</Table.Th>
              <SortableTh
                active={sort === 'customer'}
                onSort={() => setSort('customer')}
                testId="sort-customer"
              >
                {t('licenses.customer')}
              </SortableTh>
              <Table.Th>{t('key.product')}</Table.Th>
              <Table.Th>{t('key.status')}</Table.Th>
              <SortableTh active={sort === 'expiry'} onSort={() => setSort('expiry')} testId="sort-expiry">
                {t('key.expiresAt')}
              </SortableTh>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {licenses.items.map((license) => (
              <Table.Tr key={license.id} data-testid="license-row">
                <Table.Td>
                  <Link to={`/keys/${license.keyId}`}>{license.key}</Link>
                </Table.Td>
                <Table.Td data-testid="license-customer">
                  <Link to={`/customers/${license.customerId}`}>{license.customerName}</Link>
                </Table.Td>
                <Table.Td>
                  {license.productName} · {license.licenseTypeName}
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={license.status} label={wordFor(t, 'status', license.status)} />
                </Table.Td>
                <Table.Td data-testid="license-expires" data-value={license.expiresAt ?? ''}>
                  {formatDate(license.expiresAt, t('common.perpetual'))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <EmptyState when={licenses.isSuccess && licenses.items.length === 0} testId="licenses-empty">
        {q ? t('empty.licensesFound') : t('empty.licenses')}
      </EmptyState>
      <LoadMore list={licenses} />
    </Stack>
  );
}
