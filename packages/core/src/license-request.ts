import { armor, unarmor } from './armor.js';
import { base64ToText, textToBase64 } from './base64.js';
import { isAcceptedInstant } from './instant.js';

/** Periods a customer can ask for in a license request (seed 000: month, three months, year, perpetual). */
export const REQUEST_PERIODS = ['P1M', 'P3M', 'P1Y', 'perpetual'] as const;
export type RequestPeriod = (typeof REQUEST_PERIODS)[number];

export interface LicenseRequest {
  v: 1;
  product: string;
  installationId: string;
  fingerprint?: string;
  /** The day the license should start, ISO date or date-time. */
  startsAt: string;
  period: RequestPeriod;
  tenant?: string;
  createdAt: string;
  nonce: string;
}

const LABEL = 'LICENSE REQUEST';

/**
 * The request file: a few readable lines saying what is asked (so a person sees it before sending), then the
 * armoured block the vendor's server reads. Only the block counts; the header is for people.
 */
export function encodeLicenseRequest(request: LicenseRequest): string {
  const header = [
    `Product: ${request.product}`,
    `Installation: ${request.installationId}`,
    ...(request.tenant ? [`Tenant: ${request.tenant}`] : []),
    `Start: ${request.startsAt.slice(0, 10)}`,
    `Period: ${PERIOD_WORDS[request.period]}`,
    '',
  ].join('\n');
  return `${header}${armor(LABEL, textToBase64(JSON.stringify(request)))}`;
}

const PERIOD_WORDS: Record<RequestPeriod, string> = {
  P1M: '1 month',
  P3M: '3 months',
  P1Y: '1 year',
  perpetual: 'perpetual',
};

/** The file name the product offers for download (seed 000: licensereq-AIStudio.txt). */
export const licenseRequestFileName = (product: string): string => `licensereq-${product}.txt`;

export type ParsedRequest = { ok: true; request: LicenseRequest } | { ok: false; problem: string };

const isText = (value: unknown, max = 200): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

/** Reads a request file, checking every field, so the vendor side never trusts its shape. */
export function decodeLicenseRequest(text: string): ParsedRequest {
  const body = unarmor(LABEL, text);
  if (!body) return { ok: false, problem: 'not a license request file' };
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(base64ToText(body));
  } catch {
    return { ok: false, problem: 'the request is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || value.v !== 1)
    return { ok: false, problem: 'unknown request version' };
  if (!isText(value.product, 64)) return { ok: false, problem: 'product is missing' };
  if (!isText(value.installationId)) return { ok: false, problem: 'installationId is missing' };
  if (!isText(value.startsAt, 40) || !isAcceptedInstant(value.startsAt))
    return { ok: false, problem: 'startsAt is not a date between 1970 and 9999' };
  if (!REQUEST_PERIODS.includes(value.period as RequestPeriod))
    return { ok: false, problem: 'period must be P1M, P3M, P1Y or perpetual' };
  if (value.fingerprint !== undefined && !isText(value.fingerprint))
    return { ok: false, problem: 'fingerprint is not text' };
  if (value.tenant !== undefined && !isText(value.tenant))
    return { ok: false, problem: 'tenant is not text' };
  if (!isText(value.createdAt, 40) || !isText(value.nonce, 100))
    return { ok: false, problem: 'createdAt and nonce are required' };
  return { ok: true, request: value as unknown as LicenseRequest };
}

/** The term a requested period stands for; null for perpetual. */
export function periodTerm(period: RequestPeriod): { unit: 'month' | 'year'; count: number } | null {
  switch (period) {
    case 'P1M':
      return { unit: 'month', count: 1 };
    case 'P3M':
      return { unit: 'month', count: 3 };
    case 'P1Y':
      return { unit: 'year', count: 1 };
    case 'perpetual':
      return null;
  }
}
