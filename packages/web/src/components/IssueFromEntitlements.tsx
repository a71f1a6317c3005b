import { Button, Card, Group, Radio, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { download, get, post } from '../api/client';
import type { Entitlement } from '../api/types';
import { ErrorAlert } from './common';

/**
 * Issues a license from an account's entitlements (seed 002): cloud-based, bound to an installation GUID,
 * or file-based, downloaded as a license file. Used by the partner portal and the customer cabinet.
 */
export function IssueFromEntitlements({
  queryKey,
  entitlementsPath,
  issuePath,
}: {
  queryKey: string[];
  entitlementsPath: string;
  issuePath: string;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    licenseTypeId: null as string | null,
    delivery: 'cloud',
    installationId: '',
  });
  const entitlements = useQuery({
    queryKey: [...queryKey, entitlementsPath],
    queryFn: () => get<{ data: Entitlement[] }>(entitlementsPath),
  });
  const issue = useMutation({
    mutationFn: () => post<{ file: { fileName: string; content: string } | null }>(issuePath, form),
    onSuccess: (answer) => {
      if (answer.file) download(answer.file.fileName, answer.file.content);
      return queryClient.invalidateQueries({ queryKey });
    },
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={5}>{t('entitlements.issue')}</Title>
        <Group align="end">
          <Select
            label={t('key.licenseType')}
            data={(entitlements.data?.data ?? [])
              .filter((e) => e.available > 0)
              .map((e) => ({ value: e.licenseTypeId, label: `${e.productName} — ${e.licenseTypeName}` }))}
            value={form.licenseTypeId}
            onChange={(value) => setForm({ ...form, licenseTypeId: value })}
            w={320}
            data-testid="issue-entitlement-type"
          />
          <Radio.Group
            label={t('entitlements.delivery')}
            value={form.delivery}
            onChange={(value) => setForm({ ...form, delivery: value })}
          >
            <Group>
              <Radio value="cloud" label={t('entitlements.cloud')} />
              <Radio value="file" label={t('entitlements.file')} />
            </Group>
          </Radio.Group>
          <TextInput
            label={t('entitlements.installation')}
            value={form.installationId}
            onChange={(e) => setForm({ ...form, installationId: e.currentTarget.value })}
            data-testid="issue-installation"
          />
          <Button
            onClick={() => issue.mutate()}
            disabled={!form.licenseTypeId || !form.installationId}
            data-testid="issue-entitlement"
          >
            {t('entitlements.issue')}
          </Button>
        </Group>
        <ErrorAlert error={issue.error} />
      </Stack>
    </Card>
  );
}
