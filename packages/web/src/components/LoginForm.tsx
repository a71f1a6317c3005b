import { Button, Card, Center, Group, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ErrorAlert, LanguageSwitch } from './common';
import { VendorChoice } from './VendorChoice';

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
}: {
  title: string;
  fields: LoginField[];
  submitLabel: string;
  onSubmit: (values: Record<string, string>) => Promise<unknown>;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(values);
    } catch (caught) {
      setError(caught);
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
                  onChange={(e) => setValues({ ...values, [field.name]: e.currentTarget.value })}
                />
              ),
            )}
            <VendorChoice
              error={error}
              value={values.vendor}
              onChange={(vendor) => setValues({ ...values, vendor })}
            />
            <ErrorAlert error={error} />
            <Button type="submit" loading={busy} data-testid="login-submit">
              {submitLabel}
            </Button>
          </Stack>
        </form>
      </Card>
    </Center>
  );
}
