import { Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ok } from '../api/client';
import { EmptyState, ErrorAlert, formatDate } from '../components/common';
import { Link, navigate } from '../router';
import { CustomerFields, type CustomerForm, formOf } from './CustomerFields';

function CabinetLogin({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/customers/{id}/users', {
          params: { path: { id: customerId } },
          body: { email, name: email },
        }),
      ),
  });
  return (
    <Card withBorder>
      <Group align="end">
        <TextInput
          label={`${t('customerUsers.title')} — e-mail`}
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
        <Button variant="light" onClick={() => create.mutate()}>
          {t('customerUsers.create')}
        </Button>
        {create.data && (
          <Text size="sm" c="green">
            {t('passwords.invited', { email: create.data.email })}
          </Text>
        )}
      </Group>
      <ErrorAlert error={create.error} />
    </Card>
  );
}

/** The customer card: the client fields and its license keys. */
export function CustomerPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const customer = useQuery({
    queryKey: ['customer', id],
    queryFn: () => ok(api.GET('/v1/customers/{id}', { params: { path: { id } } })),
  });
  const save = useMutation({
    mutationFn: (form: CustomerForm) =>
      ok(api.PATCH('/v1/customers/{id}', { params: { path: { id } }, body: form })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['customer', id] }),
  });
  const createKey = useMutation({
    mutationFn: () => ok(api.POST('/v1/keys', { body: { customerId: id } })),
    onSuccess: (key) => navigate(`/keys/${key.id}`),
  });
  if (!customer.data) return <ErrorAlert error={customer.error} />;
  return (
    <Stack>
      <Title order={3} data-testid="customer-title">
        {customer.data.name}
      </Title>
      <Card withBorder>
        <CustomerFields
          key={customer.data.id}
          initial={formOf(customer.data)}
          submitLabel={t('common.save')}
          onSubmit={(form) => save.mutate(form)}
          error={save.error}
          busy={save.isPending}
        />
      </Card>
      <Group justify="space-between">
        <Title order={4}>{t('customers.keys')}</Title>
        <Button onClick={() => createKey.mutate()} loading={createKey.isPending} data-testid="create-key">
          {t('customers.createKey')}
        </Button>
      </Group>
      <ErrorAlert error={createKey.error} />
      <CabinetLogin customerId={id} />
      <Table>
        <Table.Tbody>
          {customer.data.keys?.map((key) => (
            <Table.Tr key={key.id}>
              <Table.Td>
                <Link to={`/keys/${key.id}`}>{key.key}</Link>
              </Table.Td>
              <Table.Td>{key.status}</Table.Td>
              <Table.Td>{formatDate(key.createdAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={(customer.data.keys ?? []).length === 0} testId="keys-empty">
        {t('empty.keys')}
      </EmptyState>
    </Stack>
  );
}
