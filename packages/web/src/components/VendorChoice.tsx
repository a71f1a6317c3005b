import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

export interface VendorOption {
  prefix: string;
  name: string;
}

/** The vendors a VENDOR_REQUIRED answer offers (the e-mail and password open accounts at each), else none. */
export const vendorsOffered = (error: unknown): VendorOption[] | undefined =>
  error instanceof ApiError && error.code === 'VENDOR_REQUIRED'
    ? (error.details as VendorOption[])
    : undefined;

/**
 * The choice of vendor after a login answered VENDOR_REQUIRED. The form keeps the offered vendors until the
 * e-mail changes, so a later failure (a mistyped password) does not hide the choice it still sends.
 */
export function VendorChoice({
  vendors,
  value,
  onChange,
}: {
  vendors: VendorOption[] | undefined;
  value: string | undefined;
  onChange: (prefix: string) => void;
}) {
  const { t } = useTranslation();
  if (!vendors) return null;
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
