import {
  Badge,
  Button,
  Card,
  Code,
  Group,
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
import { api, type Body, ok } from '../api/client';
import { EmptyState, ErrorAlert, fieldError, formatDate, wordFor } from '../components/common';

type Role = Body<'/v1/users', 'post'>['role'];
const ROLES: Role[] = ['owner', 'admin', 'manager', 'support'];
/** The role selects offer ROLES only: their string values narrowed to what the routes take. */
const asRole = (value: string) => value as Role;

/** Staff: invite by e-mail with a role, change roles, disable; the people in the "manager" lists. */
function Staff() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => ok(api.GET('/v1/users')) });
  const [invite, setInvite] = useState<Body<'/v1/users', 'post'>>({ email: '', name: '', role: 'manager' });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['users'] });
  const add = useMutation({
    mutationFn: () => ok(api.POST('/v1/users', { body: invite })),
    onSuccess: () => {
      setInvite({ email: '', name: '', role: 'manager' });
      return refresh();
    },
  });
  const change = useMutation({
    mutationFn: ({ id, ...body }: { id: string } & Body<'/v1/users/{id}', 'patch'>) =>
      ok(api.PATCH('/v1/users/{id}', { params: { path: { id } }, body })),
    onSuccess: refresh,
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{t('team.staff')}</Title>
        <Group align="end">
          <TextInput
            label="E-mail"
            value={invite.email}
            onChange={(e) => setInvite({ ...invite, email: e.currentTarget.value })}
            error={fieldError(add.error, 'email')}
            data-testid="invite-email"
          />
          <TextInput
            label={t('common.name')}
            value={invite.name}
            onChange={(e) => setInvite({ ...invite, name: e.currentTarget.value })}
            error={fieldError(add.error, 'name')}
            data-testid="invite-name"
          />
          <Select
            label={t('team.role')}
            data={ROLES.map((role) => ({ value: role, label: wordFor(t, 'team.roles', role) }))}
            value={invite.role}
            allowDeselect={false}
            onChange={(role) => role && setInvite({ ...invite, role: asRole(role) })}
            w={160}
            data-testid="invite-role"
          />
          <Button onClick={() => add.mutate()} data-testid="invite-send">
            {t('team.invite')}
          </Button>
        </Group>
        {add.data && (
          <Text size="sm" c="green" data-testid="invite-sent">
            {t('passwords.invited', { email: add.data.email })}
          </Text>
        )}
        <ErrorAlert error={add.error ?? change.error} />
        <Table.ScrollContainer minWidth={560}>
          <Table data-testid="staff-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>{t('common.name')}</Table.Th>
                <Table.Th>{t('team.role')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data?.data.map((user) => (
                <Table.Tr key={user.id} data-testid="staff-row">
                  <Table.Td>
                    {user.email} {user.disabled && <Badge color="gray">{t('team.disabled')}</Badge>}
                  </Table.Td>
                  <Table.Td>{user.name}</Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={t('team.role')}
                      data={ROLES.map((role) => ({ value: role, label: wordFor(t, 'team.roles', role) }))}
                      value={user.role}
                      allowDeselect={false}
                      onChange={(role) => role && change.mutate({ id: user.id, role: asRole(role) })}
                      w={160}
                      data-testid="staff-role"
                    />
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="compact-xs"
                      variant="light"
                      color={user.disabled ? 'green' : 'red'}
                      onClick={() => change.mutate({ id: user.id, disabled: !user.disabled })}
                      data-testid="staff-disable"
                    >
                      {user.disabled ? t('team.enable') : t('team.disable')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    </Card>
  );
}

/** API tokens: created with a role and an optional expiry, shown once, revoked here. */
function Tokens() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => ok(api.GET('/v1/tokens')) });
  const [form, setForm] = useState({ name: '', role: 'support' as Role, expires: '' });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['tokens'] });
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/tokens', {
          body: {
            name: form.name,
            role: form.role,
            ...(form.expires ? { expiresAt: new Date(`${form.expires}T00:00:00Z`).toISOString() } : {}),
          },
        }),
      ),
    onSuccess: () => {
      setForm({ name: '', role: 'support', expires: '' });
      return refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/tokens/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{t('team.tokens')}</Title>
        <Group align="end">
          <TextInput
            label={t('common.name')}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            error={fieldError(create.error, 'name')}
            data-testid="token-name"
          />
          <Select
            label={t('team.role')}
            data={ROLES.map((role) => ({ value: role, label: wordFor(t, 'team.roles', role) }))}
            value={form.role}
            allowDeselect={false}
            onChange={(role) => role && setForm({ ...form, role: asRole(role) })}
            w={160}
          />
          <TextInput
            type="date"
            label={t('team.expires')}
            value={form.expires}
            onChange={(e) => setForm({ ...form, expires: e.currentTarget.value })}
            error={fieldError(create.error, 'expiresAt')}
            data-testid="token-expires"
          />
          <Button onClick={() => create.mutate()} data-testid="token-create">
            {t('common.create')}
          </Button>
        </Group>
        {create.data && (
          <Code block tabIndex={0} data-testid="token-shown">
            {create.data.token}
          </Code>
        )}
        <ErrorAlert error={create.error ?? revoke.error} />
        <Table.ScrollContainer minWidth={560}>
          <Table data-testid="tokens-table">
            <Table.Tbody>
              {tokens.data?.data.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td>{token.name}</Table.Td>
                  <Table.Td>{wordFor(t, 'team.roles', token.role)}</Table.Td>
                  <Table.Td>
                    {token.expiresAt ? formatDate(token.expiresAt, '') : t('team.noExpiry')}
                  </Table.Td>
                  <Table.Td>
                    {token.revokedAt ? (
                      <Badge color="gray">{t('team.revoked')}</Badge>
                    ) : (
                      <Button
                        size="compact-xs"
                        variant="light"
                        color="red"
                        onClick={() => revoke.mutate(token.id)}
                      >
                        {t('team.revoke')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <EmptyState when={tokens.isSuccess && tokens.data.data.length === 0} testId="tokens-empty">
          {t('empty.tokens')}
        </EmptyState>
      </Stack>
    </Card>
  );
}

/** Reminder days before a license expires (seed 001), for the vendor's daily reminder e-mails. */
function Settings() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['settings'],
    queryFn: () => ok(api.GET('/v1/vendor/settings')),
  });
  const [days, setDays] = useState<string | null>(null);
  const [language, setLanguage] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH('/v1/vendor/settings', {
          body: {
            ...(days !== null
              ? {
                  reminderDays: days
                    .split(/[,\s]+/)
                    .filter(Boolean)
                    .map(Number),
                }
              : {}),
            // The language select offers `en` and `ru` only.
            ...(language ? { language: language as 'en' | 'ru' } : {}),
          },
        }),
      ),
    onSuccess: () => {
      setDays(null);
      setLanguage(null);
      return queryClient.invalidateQueries({ queryKey: ['settings'] });
    },
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={4}>{t('team.settings')}</Title>
        <Group align="end">
          <TextInput
            label={t('team.reminderDays')}
            value={days ?? settings.data?.reminderDays.join(', ') ?? ''}
            onChange={(e) => setDays(e.currentTarget.value)}
            w={360}
            data-testid="reminder-days"
          />
          <Select
            label={t('team.language')}
            data={[
              { value: 'en', label: 'English' },
              { value: 'ru', label: 'Русский' },
            ]}
            value={language ?? settings.data?.language ?? 'en'}
            allowDeselect={false}
            onChange={setLanguage}
            w={200}
            data-testid="vendor-language"
          />
          <Button
            onClick={() => save.mutate()}
            disabled={days === null && !language}
            data-testid="settings-save"
          >
            {t('common.save')}
          </Button>
        </Group>
        <ErrorAlert error={save.error} />
      </Stack>
    </Card>
  );
}

/** The vendor's team page: staff, API tokens and settings. */
export function TeamPage() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={3}>{t('nav.team')}</Title>
      <Staff />
      <Tokens />
      <Settings />
    </Stack>
  );
}
