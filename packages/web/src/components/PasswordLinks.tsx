import { Alert, Anchor, Button, Card, Center, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ok } from '../api/client';
import { navigate } from '../router';
import { ErrorAlert } from './common';

export type Portal = 'vendor' | 'partner' | 'customer';
const HOME: Record<Portal, string> = { vendor: '/', partner: '/partner', customer: '/customer' };
/** The server's schema types the portal a link was for as a plain string: narrowed here, the vendor's home else. */
const homeOf = (portal: string): string => HOME[portal as Portal] ?? '/';

/** "Forgot password?" under a login form: mails a reset link; the answer never says whether the e-mail exists. */
export function ForgotPassword({ portal }: { portal: Portal }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const reset = useMutation({
    mutationFn: () => ok(api.POST('/v1/password-resets', { body: { portal, email } })),
  });
  if (!open)
    return (
      <Anchor
        size="sm"
        component="button"
        type="button"
        onClick={() => setOpen(true)}
        data-testid="forgot-password"
      >
        {t('passwords.forgot')}
      </Anchor>
    );
  return (
    <Stack gap="xs">
      <TextInput
        label={t('login.email')}
        value={email}
        onChange={(e) => setEmail(e.currentTarget.value)}
        data-testid="reset-email"
      />
      <Button
        variant="light"
        onClick={() => reset.mutate()}
        loading={reset.isPending}
        data-testid="reset-send"
      >
        {t('passwords.sendLink')}
      </Button>
      {reset.isSuccess && (
        <Alert color="green" data-testid="reset-sent">
          {t('passwords.linkSent')}
        </Alert>
      )}
      <ErrorAlert error={reset.error} />
    </Stack>
  );
}

/** The page an invitation or reset link opens (`…/set-password?token=…`): choose a password, then log in. */
export function SetPasswordPage() {
  const { t } = useTranslation();
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const save = useMutation({
    mutationFn: () => ok(api.POST('/v1/passwords', { body: { token, password } })),
  });
  return (
    <Center h="100vh">
      <Card withBorder w={380} padding="lg">
        <Stack>
          <Title order={4}>{t('passwords.title')}</Title>
          {save.data ? (
            <>
              <Alert color="green" data-testid="password-set">
                {t('passwords.done')}
              </Alert>
              <Button onClick={() => navigate(homeOf(save.data.portal))} data-testid="password-login">
                {t('login.submit')}
              </Button>
            </>
          ) : (
            <>
              <PasswordInput
                label={t('passwords.new')}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                data-testid="new-password"
              />
              <PasswordInput
                label={t('passwords.repeat')}
                value={repeat}
                error={repeat && repeat !== password ? t('passwords.mismatch') : undefined}
                onChange={(e) => setRepeat(e.currentTarget.value)}
                data-testid="repeat-password"
              />
              <ErrorAlert error={save.error} />
              <Button
                disabled={password.length < 8 || password !== repeat}
                onClick={() => save.mutate()}
                data-testid="set-password"
              >
                {t('passwords.save')}
              </Button>
            </>
          )}
        </Stack>
      </Card>
    </Center>
  );
}
