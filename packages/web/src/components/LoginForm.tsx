import { Button, Card, Center, Group, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, LanguageSwitch } from './common';
import { ForgotPassword, type Portal } from './PasswordLinks';
import { VendorChoice, type VendorOption, vendorsOffered } from './VendorChoice';

export interface LoginField {
  name: string;
  label: string;
  secret?: boolean;
}

/** A centered login card; used by all three portals with their own fields. */
export function LoginForm({
  title,
  fields,
  submitLabel,
  onSubmit,
  portal,
}: {
  title: string;
  fields: LoginField[];
  submitLabel: string;
  onSubmit: (values: Record<string, string>) => Promise<unknown>;
  /** Offers "forgot password?" for this portal's accounts. */
  portal?: Portal;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [vendors, setVendors] = useState<VendorOption[]>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(values);
    } catch (caught) {
      setError(caught);
      setVendors((offered) => vendorsOffered(caught) ?? offered);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center h="100vh">
      <Card withBorder w={380} padding="lg">
        <form onSubmit={submit}>
          <Stack>
            <Group justify="space-between">
              <Title order={4}>{title}</Title>
              <LanguageSwitch />
            </Group>
            {fields.map((field) =>
              field.secret ? (
                <PasswordInput
                  key={field.name}
                  label={field.label}
                  data-testid={`login-${field.name}`}
                  value={values[field.name] ?? ''}
                  onChange={(e) => setValues({ ...values, [field.name]: e.currentTarget.value })}
                />
              ) : (
                <TextInput
                  key={field.name}
                  label={field.label}
                  data-testid={`login-${field.name}`}
                  value={values[field.name] ?? ''}
                  onChange={(e) => {
                    // Another e-mail: the vendors offered for the last one no longer apply.
                    if (field.name === 'email') {
                      setVendors(undefined);
                      setValues({ ...values, email: e.currentTarget.value, vendor: '' });
                    } else setValues({ ...values, [field.name]: e.currentTarget.value });
                  }}
                />
              ),
            )}
            <VendorChoice
              vendors={vendors}
              value={values.vendor || undefined}
              onChange={(vendor) => setValues({ ...values, vendor })}
            />
            <ErrorAlert error={error} />
            <Button type="submit" loading={busy} data-testid="login-submit">
              {submitLabel}
            </Button>
            {portal && <ForgotPassword portal={portal} />}
          </Stack>
        </form>
      </Card>
    </Center>
  );
}

/** The e-mail and password login of vendor staff and partner users (the vendor is asked for when one is needed). */
export function StaffLoginForm({
  title,
  portal,
  logIn,
}: {
  title: string;
  portal: Portal;
  logIn: (body: { email: string; password: string; vendor?: string }) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  return (
    <LoginForm
      title={title}
      portal={portal}
      submitLabel={t('login.submit')}
      fields={[
        { name: 'email', label: t('login.email') },
        { name: 'password', label: t('login.password'), secret: true },
      ]}
      onSubmit={(values) =>
        logIn({
          email: values.email ?? '',
          password: values.password ?? '',
          vendor: values.vendor || undefined,
        })
      }
    />
  );
}
