import { Alert, Button, Card, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type DragEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Answer, api, ok } from '../api/client';
import { describeError, formatNumber, wordFor } from '../components/common';
import { Link } from '../router';
import { formatOf, type ImportFormat, KINDS, type PreviewTable, previewOf } from './import-preview';

type Report = Answer<'/v1/imports', 'post'>;

interface Chosen {
  name: string;
  format: ImportFormat;
  content: string;
}

/** A bad row's reason in the cabinet's language (its English sentence for a code this cabinet does not know). */
function reasonOf(t: TFunction, problem: Report['problems'][number]): string {
  const params = { ...problem.params };
  if (typeof params.target === 'string') params.target = wordFor(t, 'importReasons.targets', params.target);
  return t(`importReasons.${problem.code}` as never, { ...params, defaultValue: problem.reason }) as string;
}

const total = (counts: Report['created']) => KINDS.reduce((sum, kind) => sum + counts[kind], 0);

function Preview({ tables, format }: { tables: PreviewTable[]; format: ImportFormat }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" data-testid="import-preview">
      <Title order={4}>{t('imports.preview')}</Title>
      {tables.map((table) => (
        <Stack gap={4} key={table.kind}>
          <Text size="sm" fw={500}>
            {t('imports.previewOf', {
              kind: t(`imports.kinds.${table.kind}`),
              shown: table.rows.length,
              count: table.count,
            })}
          </Text>
          <Table.ScrollContainer minWidth={400}>
            <Table striped withTableBorder data-testid={`preview-${table.kind}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{format === 'csv' ? t('imports.line') : t('imports.row')}</Table.Th>
                  {table.columns.map((column, i) => (
                    <Table.Th key={i}>{column}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {table.rows.map((row) => (
                  <Table.Tr key={row.at} data-testid="preview-row">
                    <Table.Td>{row.at}</Table.Td>
                    {row.cells.map((value, i) => (
                      <Table.Td key={i}>{value}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      ))}
    </Stack>
  );
}

function ReportView({ report }: { report: Report }) {
  const { t } = useTranslation();
  const created = total(report.created);
  return (
    <Stack gap="sm" data-testid="import-report">
      <Title order={4}>{t('imports.report')}</Title>
      {report.problems.length > 0 ? (
        <Alert color="red" data-testid="import-has-problems">
          {report.written
            ? t('imports.imported', { count: created })
            : `${t('imports.hasProblems', { count: report.problems.length })}${report.dryRun ? '' : ` ${t('imports.notWritten')}`}`}
        </Alert>
      ) : (
        <Alert color="green" data-testid="import-clean">
          {report.written
            ? t('imports.imported', { count: created })
            : created > 0
              ? t('imports.clean', { count: created })
              : t('imports.nothingNew')}
        </Alert>
      )}
      <Table withTableBorder data-testid="import-counts">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('imports.kind')}</Table.Th>
            <Table.Th>{t('imports.created')}</Table.Th>
            <Table.Th>{t('imports.unchanged')}</Table.Th>
            <Table.Th>{t('imports.rejected')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {KINDS.map((kind) => (
            <Table.Tr key={kind} data-testid={`count-${kind}`}>
              <Table.Td>{t(`imports.kinds.${kind}`)}</Table.Td>
              <Table.Td data-testid="created">{formatNumber(report.created[kind])}</Table.Td>
              <Table.Td>{formatNumber(report.unchanged[kind])}</Table.Td>
              <Table.Td data-testid="rejected">{formatNumber(report.rejected[kind])}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {report.problems.length > 0 && (
        <>
          <Title order={5}>{t('imports.problems')}</Title>
          <Table.ScrollContainer minWidth={400}>
            <Table striped withTableBorder data-testid="import-problems">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('imports.kind')}</Table.Th>
                  <Table.Th>{t('imports.line')}</Table.Th>
                  <Table.Th>{t('imports.field')}</Table.Th>
                  <Table.Th>{t('imports.reason')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.problems.map((problem) => (
                  <Table.Tr
                    key={`${problem.kind}-${problem.index}-${problem.field}`}
                    data-testid="problem-row"
                  >
                    <Table.Td>{t(`imports.kinds.${problem.kind}`)}</Table.Td>
                    <Table.Td data-testid="problem-line">
                      {problem.line ?? `${t('imports.row')} ${problem.index + 1}`}
                    </Table.Td>
                    <Table.Td>
                      <Code>{problem.field || '—'}</Code>
                    </Table.Td>
                    <Table.Td>{reasonOf(t, problem)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </Stack>
  );
}

/**
 * The import of `licensor import` in the cabinet: choose a file, see its first rows, check it (a dry run: the
 * server's report of new, already imported and bad rows), then import — the whole file after a clean check, or
 * its valid rows only.
 */
export function ImportPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const preview = useMemo(() => {
    if (!chosen) return null;
    try {
      return { tables: previewOf(chosen.format, chosen.content) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }, [chosen]);

  const send = (dryRun: boolean, partial: boolean) => {
    if (!chosen) throw new Error('no file');
    return ok(
      api.POST('/v1/imports', { body: { format: chosen.format, content: chosen.content, dryRun, partial } }),
    );
  };
  const failed = (error: unknown) =>
    notifications.show({
      color: 'red',
      message: describeError(error, t),
      autoClose: 8000,
      closeButtonProps: { 'aria-label': t('common.close') },
    });
  const check = useMutation({
    meta: { quiet: true },
    mutationFn: () => send(true, false),
    onMutate: () => setReport(null),
    onSuccess: (answer) => {
      setReport(answer);
      notifications.show({
        color: answer.problems.length > 0 ? 'yellow' : 'green',
        message: t('imports.checked', { problems: answer.problems.length }),
        autoClose: 3000,
        closeButtonProps: { 'aria-label': t('common.close') },
      });
    },
    onError: failed,
  });
  const write = useMutation({
    meta: { quiet: true },
    mutationFn: (partial: boolean) => send(false, partial),
    onSuccess: async (answer) => {
      setReport(answer);
      notifications.show({
        color: answer.written ? 'green' : 'red',
        message: answer.written
          ? t('imports.imported', { count: total(answer.created) })
          : t('imports.notWritten'),
        autoClose: answer.written ? 3000 : 8000,
        closeButtonProps: { 'aria-label': t('common.close') },
      });
      await queryClient.invalidateQueries();
    },
    onError: failed,
  });

  const choose = async (file: File | undefined) => {
    if (!file) return;
    setReport(null);
    check.reset();
    write.reset();
    setChosen({ name: file.name, format: formatOf(file.name), content: await file.text() });
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    void choose(event.dataTransfer.files[0]);
  };

  const busy = check.isPending || write.isPending;
  const checked = report?.dryRun ? report : null;
  const newRows = checked ? total(checked.created) : 0;
  const canImport = checked !== null && checked.problems.length === 0 && newRows > 0;
  const canImportValid = checked !== null && checked.problems.length > 0 && newRows > 0;

  return (
    <Stack>
      <Title order={2}>{t('imports.title')}</Title>
      <Text size="sm">{t('imports.intro')}</Text>
      <Card
        withBorder
        bg="gray.0"
        onDragOver={(e) => e.preventDefault()}
        onDrop={onDrop}
        data-testid="import-drop"
      >
        <Stack align="center" gap="xs">
          <Text size="sm">{t('imports.drop')}</Text>
          <input
            type="file"
            accept=".json,.csv,application/json,text/csv"
            aria-label={t('imports.file')}
            onChange={(e) => {
              void choose(e.currentTarget.files?.[0]);
              e.currentTarget.value = '';
            }}
            data-testid="import-file"
          />
          {chosen && (
            <Text size="sm" data-testid="import-chosen">
              {t('imports.chosen', {
                name: chosen.name,
                format: chosen.format.toUpperCase(),
                size: formatNumber(chosen.content.length),
              })}
            </Text>
          )}
        </Stack>
      </Card>
      {preview?.error && (
        <Alert color="yellow" data-testid="import-unreadable">
          {t('imports.unreadable', { reason: preview.error })}
        </Alert>
      )}
      {preview?.tables && chosen && <Preview tables={preview.tables} format={chosen.format} />}
      {chosen && (
        <Stack gap="xs">
          <Group>
            <Button
              variant="default"
              onClick={() => check.mutate()}
              loading={check.isPending}
              disabled={busy}
              data-testid="import-check"
            >
              {t('imports.check')}
            </Button>
            {canImportValid ? (
              <Button
                onClick={() => write.mutate(true)}
                loading={write.isPending}
                disabled={busy}
                data-testid="import-valid"
              >
                {t('imports.importValid')}
              </Button>
            ) : (
              <Button
                onClick={() => write.mutate(false)}
                loading={write.isPending}
                disabled={busy || !canImport}
                data-testid="import-submit"
              >
                {t('imports.import')}
              </Button>
            )}
          </Group>
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="import-state">
            {check.isPending
              ? t('imports.checking')
              : write.isPending
                ? t('imports.importing')
                : checked
                  ? ''
                  : t('imports.checkFirst')}
          </Text>
        </Stack>
      )}
      {report && <ReportView report={report} />}
      {report?.written && (
        <Group>
          <Link to="/customers" testId="import-to-customers">
            {t('imports.toCustomers')}
          </Link>
        </Group>
      )}
    </Stack>
  );
}
