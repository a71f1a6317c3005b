import { heartbeatEcho, redeemEcho, sameEcho, useEcho, validateEcho } from '@licensor/core';
import {
  ACCEPT_TREE_SIGNATURES,
  parseSignatureHeader,
  trustedKey,
  verifyAnswerSignature,
} from './signature.js';

export interface ClientOptions {
  /** The Licensor server, e.g. https://licensing.example.com */
  readonly baseUrl: string;
  /** The vendor's published keys (`GET /v1/vendors/{prefix}/signing-keys`): kid → base64 raw public key. */
  readonly publicKeys: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  /** How old a signed answer may be (by its `ts`, against this clock): 300 s unless set. */
  readonly maxAgeSeconds?: number;
  /** This device's clock (tests travel in time with it). */
  readonly now?: () => Date;
}

export interface ValidateRequest {
  key: string;
  product: string;
  fingerprint?: string;
  resource?: { kind: string; id: string };
  capabilities?: string[];
}

export interface ValidationResult {
  valid: boolean;
  code: string;
  detail: string;
  ts: string;
  nonce?: string;
  capabilities: string[];
  expiresAt: string | null;
  licenses: {
    id: string;
    product: string;
    status: string;
    expiresAt: string | null;
    capabilities: string[];
  }[];
}

export class LicensorError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LicensorError';
  }
}

function randomNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** How old (or how far ahead of this clock) a signed answer may be, by default. */
const DEFAULT_MAX_AGE_SECONDS = 300;

export interface ActivateRequest {
  key: string;
  product: string;
  resource: { kind: string; id: string; name?: string; metadata?: Record<string, unknown> };
}

export interface Activation {
  id: string;
  licenseId: string;
  product: string;
  resource: { kind: string; id: string; name: string | null };
  createdAt: string;
}

export interface SessionRequest {
  key: string;
  product: string;
  resource: { kind: string; id: string; name?: string };
  ttlSeconds?: number;
}

export interface Redeemed {
  redemptionId: string;
  keyId: string;
  licenses: { id: string; product: string; status: string; expiresAt: string | null }[];
}

/**
 * The app API from a vendor's application. It trusts only answers that are signed by the vendor's key,
 * repeat exactly what this client asked (key, product, resource, capabilities and a fresh nonce) and are
 * fresh — so neither a fake server, nor a replayed answer, nor a relay that swaps the key or the resource
 * can unlock the app. Refusals are `LicensorError`s: UNSIGNED, UNKNOWN_KEY, BAD_SIGNATURE, MALFORMED_ANSWER,
 * NONCE_MISMATCH, REQUEST_MISMATCH, STALE_ANSWER; errors of the server keep its code (SEATS_EXHAUSTED, …).
 */
export class LicensorClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  validate(request: ValidateRequest): Promise<ValidationResult> {
    const nonce = randomNonce();
    return this.call('/v1/validate', { ...request, nonce }, validateEcho({ ...request, nonce }));
  }

  /** Binds the resource to a free seat (idempotent). */
  activate(request: ActivateRequest): Promise<Activation> {
    const nonce = randomNonce();
    return this.call('/v1/activate', { ...request, nonce }, useEcho({ ...request, nonce }));
  }

  /** Checks out a session (floating licenses count them). */
  openSession(request: SessionRequest): Promise<{ id: string; expiresAt: string }> {
    const nonce = randomNonce();
    return this.call('/v1/sessions', { ...request, nonce }, useEcho({ ...request, nonce }));
  }

  heartbeat(sessionId: string): Promise<{ expiresAt: string }> {
    const nonce = randomNonce();
    return this.call(
      `/v1/sessions/${encodeURIComponent(sessionId)}/heartbeat`,
      { nonce },
      heartbeatEcho(sessionId, nonce),
    );
  }

  redeemCoupon(request: { key: string; coupon: string }): Promise<Redeemed> {
    const nonce = randomNonce();
    return this.call('/v1/coupons/redeem', { ...request, nonce }, redeemEcho({ ...request, nonce }));
  }

  private async call<T>(path: string, body: unknown, expected: ExpectedEcho): Promise<T> {
    const response = await this.fetch(`${this.options.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ACCEPT_TREE_SIGNATURES },
      body: JSON.stringify(body),
    });
    return checkAnswer<T>(
      {
        status: response.status,
        signature: response.headers.get('licensor-signature'),
        body: new Uint8Array(await response.arrayBuffer()),
      },
      expected,
      { ...this.options, now: this.options.now?.() },
    );
  }
}

/** What a client expects a signed answer to echo: built from what it sent with `expectedEcho`. */
export type ExpectedEcho = { readonly nonce: string | null };

/** The app-API calls whose answers are signed and bound to their request. */
export type AppCall = 'validate' | 'activate' | 'session' | 'heartbeat' | 'redeem';

/**
 * The echo a signed answer must carry for the body a client sent (`sent` includes the nonce; a heartbeat
 * also needs the session id of its path). The same rule the client applies to its own requests.
 */
export function expectedEcho(call: AppCall, sent: Record<string, unknown>, sessionId?: string): ExpectedEcho {
  switch (call) {
    case 'validate':
      return validateEcho(sent as unknown as Parameters<typeof validateEcho>[0]);
    case 'activate':
    case 'session':
      return useEcho(sent as unknown as Parameters<typeof useEcho>[0]);
    case 'heartbeat':
      if (sessionId === undefined) throw new TypeError('a heartbeat echo needs the session id');
      return heartbeatEcho(sessionId, sent.nonce as string | undefined);
    case 'redeem':
      return redeemEcho(sent as unknown as Parameters<typeof redeemEcho>[0]);
  }
}

/** One HTTP answer as received: status, the `Licensor-Signature` header (null when absent) and the exact body bytes. */
export interface RecordedAnswer {
  readonly status: number;
  readonly signature: string | null;
  readonly body: Uint8Array<ArrayBuffer>;
}

export interface AnswerCheckOptions {
  readonly publicKeys: Readonly<Record<string, string>>;
  /** The device's clock; the current time unless set. */
  readonly now?: Date;
  /** How old (or how far ahead of `now`) `ts` may be: 300 s unless set. */
  readonly maxAgeSeconds?: number;
}

/**
 * Checks one answer of the app API, in this order: a server error keeps its code (SEATS_EXHAUSTED, …);
 * then signed (UNSIGNED), by a known key (UNKNOWN_KEY), over these bytes (BAD_SIGNATURE, also for a
 * malformed signature or key), JSON (MALFORMED_ANSWER), for this nonce (NONCE_MISMATCH), for this request
 * (REQUEST_MISMATCH), fresh (STALE_ANSWER). Returns the parsed answer; throws `LicensorError` otherwise.
 * Pure: no network, the clock is an argument.
 */
export async function checkAnswer<T>(
  answer: RecordedAnswer,
  expected: ExpectedEcho,
  options: AnswerCheckOptions,
): Promise<T> {
  const text = new TextDecoder().decode(answer.body);
  if (answer.status < 200 || answer.status > 299) {
    const error = safeParse(text)?.error;
    throw new LicensorError(error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${answer.status}`);
  }
  const signature = parseSignatureHeader(answer.signature);
  if (!signature) throw new LicensorError('UNSIGNED', 'the answer carries no signature');
  const publicKey = trustedKey(options.publicKeys, signature.kid);
  if (!publicKey)
    throw new LicensorError('UNKNOWN_KEY', `the answer is signed by an unknown key ${signature.kid}`);
  if (!(await verifyAnswerSignature(publicKey, signature, answer.body)))
    throw new LicensorError('BAD_SIGNATURE', 'the signature does not match');
  let parsed: (T & { ts?: string; request?: { nonce?: unknown } }) | null;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LicensorError('MALFORMED_ANSWER', 'the signed answer is not JSON');
  }
  if (parsed?.request?.nonce !== expected.nonce)
    throw new LicensorError('NONCE_MISMATCH', 'the answer is not for this request (a replay?)');
  if (!sameEcho(parsed?.request, expected))
    throw new LicensorError('REQUEST_MISMATCH', 'the answer is for another key, product or resource');
  const age = Math.abs((options.now ?? new Date()).getTime() - Date.parse(parsed?.ts ?? ''));
  if (!(age <= (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000))
    throw new LicensorError('STALE_ANSWER', 'the answer is too old, or this clock is far from the server’s');
  return parsed as T;
}

function safeParse(text: string): { error?: { code?: string; message?: string } } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
