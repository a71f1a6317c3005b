import {
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type DragEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download, ok } from '../api/client';
import { ErrorAlert } from '../components/common';

interface RequestSummary {
  product: string;
  installationId: string;
  startsAt: string;
  period: string;
  tenant?: string;
}

/** Reads a licensereq file for display; the server checks it again in full. */
function summarize(text: string): RequestSummary | undefined {
  const body = /-----BEGIN LICENSE REQUEST-----([\s\S]*?)-----END LICENSE REQUEST-----/
    .exec(text)?.[1]
    ?.replace(/\s+/g, '');
  if (!body) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

function KeyPicker({
  value,
  onChange,
  testId,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const keys = useQuery({
    queryKey: ['keys', q],
    queryFn: () => ok(api.GET('/v1/keys', { params: { query: { limit: 50, q: q || undefined } } })),
  });
  return (
    <Select
      label={t('offline.key')}
      searchable
      searchValue={q}
      onSearchChange={setQ}
      data={(keys.data?.data ?? []).map((k) => ({ value: k.id, label: k.key }))}
      value={value}
      onChange={onChange}
      data-testid={testId}
      w={420}
    />
  );
}

function FromRequest() {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [keyId, setKeyId] = useState<string | null>(null);
  const [typeId, setTypeId] = useState<string | null>(null);
  const [encrypt, setEncrypt] = useState(false);
  const [fileExpiresAt, setFileExpiresAt] = useState('');
  const types = useQuery({ queryKey: ['license-types'], queryFn: () => ok(api.GET('/v1/license-types')) });
  const summary = summarize(text);
  const make = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/offline/license-files', {
          body: {
            request: text,
            keyId: keyId ?? undefined,
            ...(typeId ? { licenseTypeId: typeId } : {}),
            encrypt,
            ...(fileExpiresAt ? { fileExpiresAt: new Date(fileExpiresAt).toISOString() } : {}),
          },
        }),
      ),
    onSuccess: (file) => download(file.fileName, file.content),
  });
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) setText(await file.text());
  };
  const choose = async (files: FileList | null) => {
    if (files?.[0]) setText(await files[0].text());
  };
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('offline.request')}</Title>
        <Card
          withBorder
          bg="gray.0"
          onDragOver={(e) => e.preventDefault()}
          onDrop={onDrop}
          data-testid="request-drop"
        >
          <Stack align="center" gap="xs">
            <Text size="sm">{t('offline.drop')}</Text>
            <input
              type="file"
              accept=".txt"
              aria-label={t('offline.request')}
              onChange={(e) => choose(e.currentTarget.files)}
              data-testid="request-file"
            />
          </Stack>
        </Card>
        {summary && (
          <Code block tabIndex={0} data-testid="request-summary">
            {`${summary.product} · ${t('offline.installation')}: ${summary.installationId} · ${summary.startsAt.slice(0, 10)} · ${t('offline.period')}: ${summary.period}${summary.tenant ? ` · ${summary.tenant}` : ''}`}
          </Code>
        )}
        <Group align="end">
          <KeyPicker value={keyId} onChange={setKeyId} testId="offline-key" />
          <Select
            label={t('offline.licenseType')}
            clearable
            data={(types.data?.data ?? [])
              .filter((lt) => !summary || lt.productCode === summary.product)
              .map((lt) => ({ value: lt.id, label: `${lt.productCode} — ${lt.name}` }))}
            value={typeId}
            onChange={setTypeId}
            data-testid="offline-type"
            w={420}
          />
        </Group>
        <Group>
          <Checkbox
            label={t('offline.encrypt')}
            checked={encrypt}
            onChange={(e) => setEncrypt(e.currentTarget.checked)}
          />
          <TextInput
            type="date"
            label={t('offline.fileExpiresAt')}
            value={fileExpiresAt}
            onChange={(e) => setFileExpiresAt(e.currentTarget.value)}
          />
        </Group>
        <ErrorAlert error={make.error} />
        <Group>
          <Button
            onClick={() => make.mutate()}
            disabled={!text || !keyId}
            loading={make.isPending}
            data-testid="make-license-file"
          >
            {t('offline.make')}
          </Button>
          {make.data && (
            <Text data-testid="license-file-ready">{`${t('offline.ready')}: ${make.data.fileName}`}</Text>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

let nextRow = 0;

function Bundle() {
  const { t } = useTranslation();
  const [keyId, setKeyId] = useState<string | null>(null);
  const [installationId, setInstallationId] = useState('');
  const [rows, setRows] = useState<{ row: number; licenseTypeId: string | null; count: number | string }[]>([
    { row: nextRow++, licenseTypeId: null, count: 1 },
  ]);
  const types = useQuery({ queryKey: ['license-types'], queryFn: () => ok(api.GET('/v1/license-types')) });
  const make = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/offline/bundles', {
          body: {
            keyId: keyId ?? undefined,
            installationId,
            issue: rows.flatMap((r) =>
              r.licenseTypeId ? [{ licenseTypeId: r.licenseTypeId, count: Number(r.count) }] : [],
            ),
          },
        }),
      ),
    onSuccess: (file) => download(file.fileName, file.content),
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>.lcs</Title>
        <Group align="end">
          <KeyPicker value={keyId} onChange={setKeyId} testId="bundle-key" />
          <TextInput
            label={t('offline.installation')}
            value={installationId}
            onChange={(e) => setInstallationId(e.currentTarget.value)}
          />
        </Group>
        {rows.map((row, index) => (
          <Group key={row.row} align="end">
            <Select
              label={t('key.licenseType')}
              data={(types.data?.data ?? []).map((lt) => ({
                value: lt.id,
                label: `${lt.productCode} — ${lt.name}`,
              }))}
              value={row.licenseTypeId}
              onChange={(value) =>
                setRows(rows.map((r, i) => (i === index ? { ...r, licenseTypeId: value } : r)))
              }
              w={420}
            />
            <NumberInput
              label={t('partners.quantity')}
              min={1}
              value={row.count}
              onChange={(value) => setRows(rows.map((r, i) => (i === index ? { ...r, count: value } : r)))}
              w={120}
            />
          </Group>
        ))}
        <Group>
          <Button
            variant="subtle"
            size="xs"
            onClick={() => setRows([...rows, { row: nextRow++, licenseTypeId: null, count: 1 }])}
          >
            + {t('coupons.addProduct')}
          </Button>
        </Group>
        <ErrorAlert error={make.error} />
        <Group>
          <Button onClick={() => make.mutate()} disabled={!keyId || !installationId} loading={make.isPending}>
            {t('common.download')} .lcs
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** Offline activation: a product's request file in, a signed .license (or a .lcs bundle) out. */
export function OfflinePage() {
  const { t } = useTranslation();
  return (
    <Stack>
      <Title order={3}>{t('offline.title')}</Title>
      <FromRequest />
      <Bundle />
    </Stack>
  );
}
