import { Button, Code, Group, Stack, Table, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ok } from '../api/client';
import { EmptyState, ErrorAlert, formatDateTime, StatusBadge } from '../components/common';

/** Signing keys: rotate (the old key retires but still verifies), revoke a retired one. */
export function SigningKeysPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ['signing-keys'],
    queryFn: () => ok(api.GET('/v1/signing-keys')),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['signing-keys'] });
  const rotate = useMutation({
    mutationFn: () => ok(api.POST('/v1/signing-keys/rotate')),
    onSuccess: refresh,
  });
  const revoke = useMutation({
    mutationFn: (kid: string) => ok(api.POST('/v1/signing-keys/{kid}/revoke', { params: { path: { kid } } })),
    onSuccess: refresh,
  });
  const colors: Record<string, string> = { active: 'active', retired: 'expiring', revoked: 'revoked' };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>{t('signingKeys.title')}</Title>
        <Button onClick={() => rotate.mutate()} loading={rotate.isPending} data-testid="rotate-key">
          {t('signingKeys.rotate')}
        </Button>
      </Group>
      <ErrorAlert error={rotate.error ?? revoke.error} />
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('signingKeys.kid')}</Table.Th>
            <Table.Th>{t('signingKeys.state')}</Table.Th>
            <Table.Th>{t('signingKeys.created')}</Table.Th>
            <Table.Th>Ed25519</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.data?.data.map((key) => (
            <Table.Tr key={key.kid}>
              <Table.Td>{key.kid}</Table.Td>
              <Table.Td>
                <StatusBadge status={colors[key.state] ?? 'unused'} label={key.state} />
              </Table.Td>
              <Table.Td>{formatDateTime(key.createdAt)}</Table.Td>
              <Table.Td>
                <Code>{key.publicKey}</Code>
              </Table.Td>
              <Table.Td>
                {key.state === 'retired' && (
                  <Button
                    size="compact-xs"
                    color="red"
                    variant="light"
                    onClick={() => revoke.mutate(key.kid)}
                  >
                    {t('signingKeys.revoke')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EmptyState when={keys.isSuccess && keys.data.data.length === 0} testId="signing-keys-empty">
        {t('empty.signingKeys')}
      </EmptyState>
    </Stack>
  );
}
