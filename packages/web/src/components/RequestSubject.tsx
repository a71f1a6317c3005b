import { Code, Stack, Text } from '@mantine/core';
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
