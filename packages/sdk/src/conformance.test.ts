import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AppCall, checkAnswer, expectedEcho, LicensorError } from './client.js';
import { ClockGuard } from './clock-guard.js';
import { MemoryStorage } from './storage.js';
import { readBundle, type VerifyOptions, verifyLicenseFile } from './verify.js';

/**
 * The shared conformance vectors (conformance/README.md): every SDK, in every language, must give
 * exactly these outcomes. Regenerate them with `npm run conformance`.
 */
const vectors = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../conformance/vectors/${name}`, import.meta.url), 'utf8'));

interface FileOptions {
  publicKeys: Record<string, string>;
  vendor: string;
  product: string;
  installationId?: string;
  anyInstallation?: boolean;
  licenseKey?: string;
  now: string;
  /** The latest time the product's clock guard saw before this check (README: `lastSeen`). */
  lastSeen?: string;
}

type FileOutcome = { ok: true; payload?: unknown; licenseId?: string } | { ok: false; code: string };

/** A clock guard that last saw `lastSeen`, as a product's guard would have it from its storage. */
async function clockGuard(lastSeen: string): Promise<ClockGuard> {
  const storage = new MemoryStorage<{ lastSeen: string }>();
  await storage.save({ lastSeen });
  return new ClockGuard(storage);
}

const verifyOptions = async ({ lastSeen, ...options }: FileOptions): Promise<VerifyOptions> => ({
  ...options,
  now: new Date(options.now),
  ...(lastSeen === undefined ? {} : { clockGuard: await clockGuard(lastSeen) }),
});

/** One file's outcome in the vectors' shape; an argument error is INVALID_OPTIONS (README). */
export async function fileOutcome(text: string, options: FileOptions): Promise<FileOutcome> {
  try {
    const result = await verifyLicenseFile(text, await verifyOptions(options));
    return result.ok ? { ok: true, payload: result.payload } : { ok: false, code: result.code };
  } catch (error) {
    if (error instanceof TypeError) return { ok: false, code: 'INVALID_OPTIONS' };
    throw error;
  }
}

interface FileVector {
  name: string;
  file: string;
  options: FileOptions;
  expect: FileOutcome;
}

interface BundleVector {
  name: string;
  bundle: string;
  options: FileOptions;
  expect: { files: FileOutcome[] };
}

interface AnswerVector {
  name: string;
  call: AppCall;
  sent: Record<string, unknown>;
  sessionId?: string;
  response: { status: number; signature: string | null; bodyBase64: string };
  options: { publicKeys: Record<string, string>; now: string; maxAgeSeconds: number };
  expect: { ok: true } | { ok: false; code: string };
}

export async function answerOutcome(
  vector: AnswerVector,
): Promise<{ ok: true } | { ok: false; code: string }> {
  try {
    await checkAnswer(
      {
        status: vector.response.status,
        signature: vector.response.signature,
        body: Uint8Array.from(Buffer.from(vector.response.bodyBase64, 'base64')),
      },
      expectedEcho(vector.call, vector.sent, vector.sessionId),
      { ...vector.options, now: new Date(vector.options.now) },
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof LicensorError) return { ok: false, code: error.code };
    throw error;
  }
}

describe('conformance vectors', () => {
  const keys = vectors('keys.json');
  const files: FileVector[] = vectors('license-files.json').vectors;
  const bundles: BundleVector[] = vectors('bundles.json').vectors;
  const answers: AnswerVector[] = vectors('answers.json').vectors;

  it('keys.json: trusted keys exclude the revoked ones', () => {
    expect(Object.keys(keys.publicKeys).length).toBeGreaterThan(0);
    for (const kid of keys.retiredKids) expect(keys.publicKeys[kid]).toBeTypeOf('string');
    for (const kid of keys.revokedKids) {
      expect(keys.publicKeys[kid]).toBeUndefined();
      expect(keys.revokedPublicKeys[kid]).toBeTypeOf('string');
    }
  });

  it('names are unique', () => {
    for (const list of [files, bundles, answers]) {
      const names = list.map((v) => v.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it.each(files)('license file: $name', async (vector) => {
    expect(await fileOutcome(vector.file, vector.options)).toEqual(vector.expect);
  });

  it.each(bundles)('bundle: $name', async (vector) => {
    const outcomes = [];
    for (const text of readBundle(vector.bundle)) {
      const outcome = await fileOutcome(text, vector.options);
      outcomes.push(outcome.ok ? { ok: true, licenseId: (outcome.payload as { id: string }).id } : outcome);
    }
    expect(outcomes).toEqual(vector.expect.files);
  });

  it.each(answers)('signed answer: $name', async (vector) => {
    expect(await answerOutcome(vector)).toEqual(vector.expect);
  });

  it('a flipped expectation fails (the vectors can catch a wrong SDK)', async () => {
    const good = files.find((v) => v.expect.ok)!;
    expect(await fileOutcome(good.file, good.options)).not.toEqual({ ok: false, code: 'BAD_SIGNATURE' });
    const refusedAnswer = answers.find((v) => !v.expect.ok && v.expect.code === 'REQUEST_MISMATCH')!;
    expect(await answerOutcome(refusedAnswer)).not.toEqual({ ok: true });
    const refusedFile = files.find((v) => !v.expect.ok)!;
    expect((await fileOutcome(refusedFile.file, refusedFile.options)).ok).toBe(false);
  });
});
