import { parseSignatureHeader, verifyEd25519 } from './signature.js';

export interface ClientOptions {
  /** The Licensor server, e.g. https://licensing.example.com */
  readonly baseUrl: string;
  /** The vendor's published keys (`GET /v1/vendors/{prefix}/signing-keys`): kid → base64 raw public key. */
  readonly publicKeys: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
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

/**
 * Online validation that trusts only answers signed by the vendor's key and echoing a fresh nonce,
 * so neither a fake server nor a replayed answer can unlock the app.
 */
export class LicensorClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async validate(request: ValidateRequest): Promise<ValidationResult> {
    const nonce = randomNonce();
    const response = await this.fetch(`${this.options.baseUrl}/v1/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, nonce }),
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    if (!response.ok) {
      const error = safeParse(text)?.error;
      throw new LicensorError(error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`);
    }
    const signature = parseSignatureHeader(response.headers.get('licensor-signature'));
    if (!signature) throw new LicensorError('UNSIGNED', 'the answer carries no signature');
    const publicKey = this.options.publicKeys[signature.kid];
    if (!publicKey)
      throw new LicensorError('UNKNOWN_KEY', `the answer is signed by an unknown key ${signature.kid}`);
    if (!(await verifyEd25519(publicKey, signature.sig, bytes)))
      throw new LicensorError('BAD_SIGNATURE', 'the signature does not match');
    const result = JSON.parse(text) as ValidationResult;
    if (result.nonce !== nonce)
      throw new LicensorError('NONCE_MISMATCH', 'the answer is not for this request');
    return result;
  }
}

function safeParse(text: string): { error?: { code?: string; message?: string } } | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
