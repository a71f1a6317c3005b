/**
 * Why an imported row is bad: a code the cabinet words in its language, the values its sentence names, and the
 * English sentence the command line prints.
 */
export const REASONS = {
  CONTAINS_NUL: () => 'contains U+0000',
  NESTED_TOO_DEEP: () => 'is nested too deep',
  REQUIRED: () => 'is required',
  NOT_TEXT: () => 'must be a string',
  TOO_LONG: (p: { max: number }) => `is longer than ${p.max} characters`,
  NOT_OBJECT: () => 'must be an object',
  DUPLICATE_ID: (p: { id: string }) => `"${p.id}" appears more than once`,
  UNKNOWN_REFERENCE: (p: { target: string; ref: string }) =>
    `no ${p.target} with externalId "${p.ref}" in the file or imported before`,
  BAD_REFERENCE: (p: { target: string; ref: string }) => `${p.target} "${p.ref}" is a bad row`,
  NOT_EMAIL: () => 'is not an e-mail address',
  BAD_LANGUAGE: () => 'must be "en" or "ru"',
  NOT_A_KEY: () => 'is not a license key',
  BAD_CHECK_SYMBOL: () => 'is not a license key (its check symbol is wrong)',
  WRONG_PREFIX: (p: { prefix: string; vendor: string }) =>
    `has the prefix ${p.prefix}, not this vendor's ${p.vendor}`,
  DUPLICATE_KEY: (p: { key: string }) => `${p.key} appears more than once`,
  KEY_EXISTS: (p: { key: string }) => `${p.key} already exists`,
  UNKNOWN_PRODUCT: (p: { product: string }) => `no product with code "${p.product}"`,
  AMBIGUOUS_TYPE: (p: { product: string; type: string }) =>
    `several license types of ${p.product} are named "${p.type}": give the id`,
  UNKNOWN_TYPE: (p: { product: string; type: string }) => `${p.product} has no license type "${p.type}"`,
  NOT_A_DATE: () => 'is not an ISO-8601 date',
  ENDS_AFTER_9999: () => "with the type's term the license would end after the year 9999",
  NOT_AFTER_START: () => 'is not after startsAt',
  UNKNOWN_KIND: (p: { kinds: string }) => `must be one of ${p.kinds}`,
  WRONG_KIND: (p: { binds: string; kind: string }) => `the license's type binds ${p.binds}, not ${p.kind}`,
  ALREADY_BOUND: (p: { kind: string; resource: string }) =>
    `${p.kind} ${p.resource} is bound to this license already`,
  SEATS_FULL: (p: { limit: number }) => `the license has ${p.limit} seat(s), all bound`,
} as const;

export type ReasonCode = keyof typeof REASONS;
export type ReasonParams<C extends ReasonCode> = Parameters<(typeof REASONS)[C]>[0] extends infer P
  ? P extends object
    ? P
    : Record<string, never>
  : never;
