import { Code, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ServiceRequest } from '../api/models';
import { termOf } from './common';

/** What a request is about: the product, the license type and its term, how many, and the key it renews. */
export function RequestSubject({ request }: { request: ServiceRequest }) {
  const { t } = useTranslation();
  const term = termOf(t, request.term);
  return (
    <Stack gap={0} data-testid="request-subject">
      <Text size="sm">
        {request.productName ?? '—'}
        {request.licenseTypeName ? ` · ${request.licenseTypeName}` : ''}
        {request.licenseTypeName ? ` · ${term}` : ''}
        {request.kind === 'order' ? ` × ${request.quantity}` : ''}
      </Text>
      {request.key && <Code>{request.key}</Code>}
    </Stack>
  );
}

const COLUMN_LABELS = {
  customer: 'licenses.customer',
  kind: 'requests.kind',
  subject: 'requests.subject',
  comment: 'common.comment',
  date: 'common.date',
  state: 'common.state',
} as const;

/** The header of a table of requests, with the columns it shows in their order. */
export function RequestColumns({ columns }: { columns: (keyof typeof COLUMN_LABELS)[] }) {
  const { t } = useTranslation();
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.map((column) => (
          <Table.Th key={column}>{t(COLUMN_LABELS[column])}</Table.Th>
        ))}
      </Table.Tr>
    </Table.Thead>
  );
}
