import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

/**
 * After a login answered VENDOR_REQUIRED (the e-mail and password open accounts with several vendors):
 * the vendors to choose from. Renders nothing otherwise.
 */
export function VendorChoice({
  error,
  value,
  onChange,
}: {
  error: unknown;
  value: string | undefined;
  onChange: (prefix: string) => void;
}) {
  const { t } = useTranslation();
  if (!(error instanceof ApiError) || error.code !== 'VENDOR_REQUIRED') return null;
  const vendors = error.details as { prefix: string; name: string }[];
  return (
    <Select
      label={t('login.vendor')}
      data={vendors.map((vendor) => ({ value: vendor.prefix, label: vendor.name }))}
      value={value ?? null}
      onChange={(prefix) => prefix && onChange(prefix)}
      allowDeselect={false}
      data-testid="login-vendor"
    />
  );
}
