import { Alert, Button, Card, Group, PasswordInput, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Field, fieldError } from './common';

export type Language = 'en' | 'ru';
const LANGUAGES: Language[] = ['en', 'ru'];

export interface ProfileProps {
  /** What the user sees of the account and cannot change here (e-mail, role, company). */
  details: { label: string; value: string }[];
  /** The user's name, editable; left out where the account has none of its own (a customer). */
  name?: string;
  language: Language;
  /** Left out where this login may not change the account (a customer logged in with a key): shown, not edited. */
  save?(changes: { name?: string; language: Language }): Promise<unknown>;
  /** Said instead of the form when there is no `save`. */
  readOnlyNote?: string;
  /** Left out where the login has no password to change here (a customer). */
  changePassword?(body: { currentPassword: string; newPassword: string }): Promise<unknown>;
}

/** The user menu's "Profile": the account, its name and e-mail language, and a new password. */
export function ProfilePage(props: ProfileProps) {
  const { t } = useTranslation();
  return (
    <Stack maw={560}>
      <Title order={3}>{t('profile.title')}</Title>
      <ProfileCard {...props} />
      {props.changePassword && <PasswordCard changePassword={props.changePassword} />}
    </Stack>
  );
}

function ProfileCard({
  details,
  name: savedName,
  language: savedLanguage,
  save,
  readOnlyNote,
}: ProfileProps) {
  const { t } = useTranslation();
  const [name, setName] = useState(savedName ?? '');
  const [language, setLanguage] = useState<Language>(savedLanguage);
  const saving = useMutation({
    mutationFn: () => save!(savedName === undefined ? { language } : { name, language }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (save) saving.mutate();
  };
  const shown = save
    ? details
    : [...details, { label: t('profile.language'), value: t(`profile.languages.${savedLanguage}`) }];
  return (
    <Card withBorder component="form" onSubmit={submit} data-testid="profile-form">
      <Stack>
        {shown.map((detail) => (
          <Field key={detail.label} label={detail.label} value={detail.value} />
        ))}
        {!save && readOnlyNote && (
          <Alert color="gray" data-testid="profile-read-only">
            {readOnlyNote}
          </Alert>
        )}
        {save && savedName !== undefined && (
          <TextInput
            label={t('profile.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError(saving.error, 'name')}
            data-testid="profile-name"
          />
        )}
        {save && (
          <>
            <Select
              label={t('profile.language')}
              description={t('profile.languageHint')}
              data={LANGUAGES.map((value) => ({ value, label: t(`profile.languages.${value}`) }))}
              value={language}
              onChange={(value) => value && setLanguage(value as Language)}
              data-testid="profile-language"
            />
            <Group>
              <Button type="submit" loading={saving.isPending} data-testid="profile-save">
                {t('common.save')}
              </Button>
            </Group>
          </>
        )}
        {saving.isSuccess && (
          <Alert color="green" data-testid="profile-saved">
            {t('common.saved')}
          </Alert>
        )}
        <ErrorAlert error={saving.error} />
      </Stack>
    </Card>
  );
}

function PasswordCard({ changePassword }: { changePassword: NonNullable<ProfileProps['changePassword']> }) {
  const { t } = useTranslation();
  const empty = { currentPassword: '', newPassword: '', repeat: '' };
  const [form, setForm] = useState(empty);
  const change = useMutation({
    mutationFn: () =>
      changePassword({ currentPassword: form.currentPassword, newPassword: form.newPassword }),
    onSuccess: () => setForm(empty),
  });
  const mismatch = form.repeat !== '' && form.repeat !== form.newPassword;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!mismatch) change.mutate();
  };
  const set = (field: keyof typeof empty) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [field]: e.currentTarget.value });
  return (
    <Card withBorder component="form" onSubmit={submit} data-testid="password-form">
      <Stack>
        <Title order={4}>{t('profile.password')}</Title>
        <PasswordInput
          label={t('profile.currentPassword')}
          value={form.currentPassword}
          onChange={set('currentPassword')}
          autoComplete="current-password"
          data-testid="profile-current-password"
        />
        <PasswordInput
          label={t('passwords.new')}
          value={form.newPassword}
          onChange={set('newPassword')}
          error={fieldError(change.error, 'newPassword')}
          autoComplete="new-password"
          data-testid="profile-new-password"
        />
        <PasswordInput
          label={t('passwords.repeat')}
          value={form.repeat}
          onChange={set('repeat')}
          error={mismatch ? t('passwords.mismatch') : undefined}
          autoComplete="new-password"
          data-testid="profile-repeat-password"
        />
        <Group>
          <Button
            type="submit"
            disabled={mismatch}
            loading={change.isPending}
            data-testid="profile-change-password"
          >
            {t('profile.changePassword')}
          </Button>
        </Group>
        {change.isSuccess && (
          <Alert color="green" data-testid="password-changed">
            {t('profile.passwordChanged')}
          </Alert>
        )}
        <ErrorAlert error={change.error} />
      </Stack>
    </Card>
  );
}
