import { Alert, Badge, Group, SegmentedControl, Table, Text, UnstyledButton } from '@mantine/core';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';
import i18n, { type Language, setLanguage } from '../i18n';

export function LanguageSwitch() {
  const { i18n } = useTranslation();
  return (
    <SegmentedControl
      data-testid="lang-switch"
      size="xs"
      value={i18n.language}
      onChange={(value) => setLanguage(value as Language)}
      data={[
        { value: 'en', label: 'EN' },
        { value: 'ru', label: 'RU' },
      ]}
    />
  );
}

/**
 * An error as the user reads it: the code's words in the chosen language (the server's message when the UI has
 * none), the fields a VALIDATION_FAILED names, and the code itself for support.
 */
/**
 * The word for a value the server sends (a status, a scope, an error code): the dictionary's entry under
 * `group`, or `fallback` (the value itself) when it has none. Keys written out in the code are checked by the
 * compiler (i18n/types.d.ts); these are the ones only known at run time.
 */
export function wordFor(t: TFunction, group: string, value: string, fallback: string = value): string {
  return t(`${group}.${value}` as never, { defaultValue: fallback }) as string;
}

/** A license term in words, with the language's plural forms: 1 year, 2 years; 1 год, 2 года, 5 лет. */
export function termOf(t: TFunction, term: { unit: string; count: number } | null): string {
  return term
    ? (t(`requests.termOf.${term.unit}` as never, { count: term.count }) as string)
    : t('common.perpetual');
}

/**
 * What a VALIDATION_FAILED answer says of one field of the body (`body/email`), to show under that field. A
 * path (`items/0/licenseTypeId`) names a field inside a list: it takes what is said of it or of anything in it.
 */
export function fieldError(error: unknown, field: string): string | undefined {
  const details = validationDetails(error);
  if (!field.includes('/')) return details.find((d) => d.field === field)?.message;
  return details.find((d) => d.path === field || d.path.startsWith(`${field}/`))?.message;
}

/**
 * A VALIDATION_FAILED answer's details as field and message, without the schema's bookkeeping: a nullable field
 * that is wrong also "must be null" and "must match a schema in anyOf", which says nothing to a person.
 */
function validationDetails(error: unknown): { field: string; path: string; message: string }[] {
  if (!(error instanceof ApiError) || error.code !== 'VALIDATION_FAILED') return [];
  const details = (error.details as { path?: string; message?: string }[]).map((d) => {
    // A missing field is named by the message, at the path of the object that lacks it.
    const missing = /^must have required property '([^']+)'$/.exec(d.message ?? '')?.[1];
    const path = [(d.path ?? '').replace(/^body\/?/, ''), missing].filter(Boolean).join('/');
    return { field: path.split('/')[0] || '—', path, message: d.message ?? '' };
  });
  const plain = details.filter((d) => !/^must (be null|match a schema in anyOf)$/.test(d.message));
  return plain.length > 0 ? plain : details;
}

export function describeError(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return String(error);
  const fields = validationDetails(error)
    .map((d) => `${d.field}: ${d.message}`)
    .join('; ');
  return `${wordFor(t, 'errors', error.code, error.message)}${fields ? ` — ${fields}` : ''} (${error.code})`;
}

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" data-testid="error">
      {describeError(error, t)}
    </Alert>
  );
}

const STATUS_COLORS: Record<string, string> = {
  unused: 'gray',
  active: 'green',
  expiring: 'yellow',
  expired: 'red',
  suspended: 'orange',
  revoked: 'dark',
  superseded: 'violet',
  submitted: 'blue',
  approved: 'green',
  rejected: 'red',
  accepted: 'teal',
  draft: 'gray',
  redeemed: 'violet',
};

export function StatusBadge({ status, label }: { status: string; label: string }) {
  return (
    <Badge
      variant="light"
      c="dark.8"
      color={STATUS_COLORS[status] ?? 'gray'}
      data-testid={`status-${status}`}
    >
      {label}
    </Badge>
  );
}

export const formatNumber = (value: number) => value.toLocaleString(i18n.language);

// Dates read in the portal's language (25.11.2026 in Russian), not in the browser's.
export const formatDate = (iso: string | null | undefined, fallback = '—') =>
  iso ? new Date(iso).toLocaleDateString(i18n.language) : fallback;
export const formatDateTime = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleString(i18n.language, { dateStyle: 'short', timeStyle: 'short' }) : '—';

export function Field({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <Group gap="xs">
      <Text c="dimmed" size="sm">
        {label}:
      </Text>
      <Text size="sm">{value || '—'}</Text>
    </Group>
  );
}

/**
 * What an empty list says instead of nothing: what it would hold and what to do next. Shown once the list is
 * read (`when`), so a loading list does not flash it.
 */
export function EmptyState({
  when,
  testId = 'empty',
  children,
}: {
  when: boolean;
  testId?: string;
  children: ReactNode;
}) {
  if (!when) return null;
  return (
    <Text c="dimmed" data-testid={testId} role="status">
      {children}
    </Text>
  );
}

/**
 * A column header that sorts its table: a button in the th, the th's aria-sort saying whether the table is
 * sorted by it (the server sorts; one direction per column).
 */
export function SortableTh({
  children,
  active,
  direction = 'ascending',
  onSort,
  testId,
}: {
  children: ReactNode;
  active: boolean;
  direction?: 'ascending' | 'descending';
  onSort: () => void;
  testId?: string;
}) {
  return (
    <Table.Th aria-sort={active ? direction : 'none'}>
      <UnstyledButton
        onClick={onSort}
        data-testid={testId}
        fw={700}
        fz="sm"
        td={active ? 'underline' : undefined}
      >
        {children} <span aria-hidden="true">{active ? (direction === 'ascending' ? '▲' : '▼') : '↕'}</span>
      </UnstyledButton>
    </Table.Th>
  );
}

/** Under a list cut by the server (live sessions, activations): how many of how many it shows. */
export function ShownOf({
  shown,
  total,
  what,
}: {
  shown: number;
  total: number;
  what: 'sessions' | 'bindings';
}) {
  const { t } = useTranslation();
  if (shown >= total) return null;
  return (
    <Text c="dimmed" size="sm" data-testid={`${what}-shown`}>
      {what === 'sessions'
        ? t('common.sessionsShown', { shown, count: total })
        : t('common.bindingsShown', { shown, count: total })}
    </Text>
  );
}
