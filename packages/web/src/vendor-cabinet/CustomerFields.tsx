import { Button, Group, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Body, ok } from '../api/client';
import type { Customer } from '../api/models';
import { ErrorAlert, fieldError } from '../components/common';

/** Every field the create and edit routes take, all present while the form is open. */
export type CustomerForm = Required<Body<'/v1/customers', 'post'>>;

/**
 * A customer's fields as the form edits them. The server's answer types `language` as a plain string (its
 * input schema says `en` or `ru`): narrowed here.
 */
export const formOf = (customer: Pick<Customer, keyof CustomerForm>): CustomerForm => ({
  name: customer.name,
  contactName: customer.contactName,
  phone: customer.phone,
  email: customer.email,
  website: customer.website,
  partnerId: customer.partnerId,
  managerId: customer.managerId,
  comment: customer.comment,
  language: customer.language === 'ru' ? 'ru' : 'en',
});

const blank: CustomerForm = {
  name: '',
  contactName: '',
  phone: '',
  email: '',
  website: '',
  partnerId: null,
  managerId: null,
  comment: '',
  language: 'en',
};

/** The key-card client fields (seed 004), used to create and to edit a customer. */
export function CustomerFields({
  initial,
  submitLabel,
  onSubmit,
  error,
  busy,
}: {
  initial?: CustomerForm;
  submitLabel: string;
  onSubmit: (form: CustomerForm) => void;
  error: unknown;
  busy: boolean;
}) {
  const { t } = useTranslation();
  const [form, setForm] = useState<CustomerForm>(initial ?? blank);
  const partners = useQuery({ queryKey: ['partners'], queryFn: () => ok(api.GET('/v1/partners')) });
  const users = useQuery({ queryKey: ['users'], queryFn: () => ok(api.GET('/v1/users')) });
  const text = (field: keyof CustomerForm) => ({
    value: (form[field] as string | null) ?? '',
    onChange: (e: { currentTarget: { value: string } }) =>
      setForm({ ...form, [field]: e.currentTarget.value }),
    'data-testid': `customer-${field}`,
    error: fieldError(error, field),
  });
  const clean = (): CustomerForm => {
    const out = { ...form };
    for (const field of ['contactName', 'phone', 'email', 'website', 'comment'] as const)
      if (!out[field]) out[field] = null;
    return out;
  };
  return (
    <Stack>
      <TextInput label={t('common.name')} {...text('name')} required />
      <Group grow>
        <TextInput label={t('customers.contactName')} {...text('contactName')} />
        <TextInput label={t('customers.phone')} {...text('phone')} />
        <TextInput label={t('customers.email')} {...text('email')} />
        <TextInput label={t('customers.website')} {...text('website')} />
      </Group>
      <Group grow>
        <Select
          label={t('customers.partner')}
          data={(partners.data?.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={form.partnerId}
          clearable
          onChange={(value) => setForm({ ...form, partnerId: value })}
          data-testid="customer-partner"
        />
        <Select
          label={t('customers.manager')}
          data={(users.data?.data ?? []).map((u) => ({ value: u.id, label: u.name || u.email }))}
          value={form.managerId}
          clearable
          onChange={(value) => setForm({ ...form, managerId: value })}
        />
      </Group>
      <Select
        label={t('customers.language')}
        data={[
          { value: 'en', label: 'English' },
          { value: 'ru', label: 'Русский' },
        ]}
        value={form.language ?? 'en'}
        allowDeselect={false}
        onChange={(value) => value && setForm({ ...form, language: value as CustomerForm['language'] })}
        data-testid="customer-language"
      />
      <Textarea label={t('common.comment')} {...text('comment')} />
      <ErrorAlert error={error} />
      <Group>
        <Button onClick={() => onSubmit(clean())} loading={busy} data-testid="customer-save">
          {submitLabel}
        </Button>
      </Group>
    </Stack>
  );
}
