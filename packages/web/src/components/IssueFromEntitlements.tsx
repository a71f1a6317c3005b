import { Button, Card, Group, Radio, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Body, download } from '../api/client';
import type { Entitlement } from '../api/models';
import { ErrorAlert } from './common';

/** What the issue form sends: the partner's route and the customer's take the same body. */
export type IssueForm = Body<'/v1/customer/entitlements/issue', 'post'>;

/**
 * Issues a license from an account's entitlements (seed 002): cloud-based, bound to an installation GUID,
 * or file-based, downloaded as a license file. Used by the partner portal and the customer cabinet.
 */
export function IssueFromEntitlements({
  queryKey,
  account,
  readEntitlements,
  issueLicense,
}: {
  queryKey: string[];
  /** Whose entitlements (part of their query key under `queryKey`). */
  account: string;
  readEntitlements: () => Promise<{ data: Entitlement[] }>;
  issueLicense: (form: IssueForm) => Promise<{ file: { fileName: string; content: string } | null }>;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    licenseTypeId: null as string | null,
    delivery: 'cloud' as IssueForm['delivery'],
    installationId: '',
  });
  const entitlements = useQuery({
    queryKey: [...queryKey, 'entitlements', account],
    queryFn: readEntitlements,
  });
  const issue = useMutation({
    mutationFn: () => issueLicense({ ...form, licenseTypeId: form.licenseTypeId ?? '' }),
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
            onChange={(value) => setForm({ ...form, delivery: value as IssueForm['delivery'] })}
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
