import { Card, Group, SegmentedControl, Stack, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ok } from '../api/client';
import { LoadMore, usePagedList } from '../api/paged-list';
import { EmptyState } from '../components/common';
import { Link, navigate } from '../router';
import { CustomerFields, type CustomerForm } from './CustomerFields';

export function CustomersPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<'newest' | 'name'>('newest');
  const customers = usePagedList(['customers', 'paged', q, sort], (cursor) =>
    ok(api.GET('/v1/customers', { params: { query: { limit: 100, sort, q: q || undefined, cursor } } })),
  );
  const create = useMutation({
    mutationFn: (form: CustomerForm) => ok(api.POST('/v1/customers', { body: form })),
    onSuccess: async (customer) => {
      await queryClient.invalidateQueries({ queryKey: ['customers'] });
      navigate(`/customers/${customer.id}`);
    },
  });
  return (
    <Stack>
      <Title order={3}>{t('customers.title')}</Title>
      <Group align="end" wrap="wrap">
        <TextInput
          aria-label={t('common.search')}
          placeholder={t('customers.searchPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          data-testid="customer-search"
          style={{ flex: 1, minWidth: 220 }}
        />
        <SegmentedControl
          aria-label={t('customers.sort')}
          value={sort}
          onChange={(value) => setSort(value as 'newest' | 'name')}
          data={[
            { value: 'newest', label: t('customers.sortNewest') },
            { value: 'name', label: t('customers.sortName') },
          ]}
          data-testid="customer-sort"
        />
      </Group>
      <Table data-testid="customers-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('common.name')}</Table.Th>
            <Table.Th>{t('customers.contactName')}</Table.Th>
            <Table.Th>{t('customers.email')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {customers.items.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>
                <Link to={`/customers/${c.id}`}>{c.name}</Link>
              </Table.Td>
              <Table.Td>{c.contactName ?? '—'}</Table.Td>
              <Table.Td>{c.email ?? '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={customers.isSuccess && customers.items.length === 0} testId="customers-empty">
        {q ? t('empty.customersFound') : t('empty.customers')}
      </EmptyState>
      <LoadMore list={customers} />
      <Card withBorder>
        <Title order={5} mb="sm">
          {t('customers.new')}
        </Title>
        <CustomerFields
          submitLabel={t('common.create')}
          onSubmit={(form) => create.mutate(form)}
          error={create.error}
          busy={create.isPending}
        />
      </Card>
    </Stack>
  );
}
