import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hash,
  type KeyObject,
  sign,
} from 'node:crypto';
import { buildAnswerTree, treeSignedMessage } from '@licensor/core';
import type { Db } from './db/database.js';
import { batchesPer } from './db/turn-batches.js';
import type { SecretBox } from './secrets.js';

export interface SigningKeyMaterial {
  readonly kid: string;
  /** PKCS#8 DER, base64 — what is stored. */
  readonly privateKey: string;
  /** Raw 32-byte Ed25519 public key, base64 — what is published. */
  readonly publicKey: string;
}

export function generateSigningKey(kid: string): SigningKeyMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    kid,
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    // The last 32 bytes of an Ed25519 SPKI are the raw key.
    publicKey: spki.subarray(spki.length - 32).toString('base64'),
  };
}

/** Rebuilds a public KeyObject from the published raw base64 form. */
export function publicKeyFromRaw(rawBase64: string): KeyObject {
  const prefix = Buffer.from('302a300506032b6570032100', 'hex');
  return createPublicKey({
    key: Buffer.concat([prefix, Buffer.from(rawBase64, 'base64')]),
    format: 'der',
    type: 'spki',
  });
}

interface ActiveKey {
  readonly kid: string;
  readonly key: KeyObject;
}

const signAsync = (key: KeyObject, message: Uint8Array): Promise<Buffer> =>
  // The callback form signs on libuv's thread pool, so the event loop serves other requests meanwhile.
  new Promise((resolve, reject) =>
    sign(null, message, key, (error, result) => (error ? reject(error) : resolve(result))),
  );

/**
 * How an app-API answer is signed (DESIGN §4): `ed25519` signs each answer's bytes; `ed25519-tree`, which a
 * client asks for with `Licensor-Accept-Signature: ed25519-tree`, signs the root of a tree over the answers
 * made in one turn and gives each its path (`@licensor/core`'s answer-tree).
 */
export type AnswerSignature = 'ed25519' | 'ed25519-tree';

/** What the client accepts: `ed25519-tree` when its `Licensor-Accept-Signature` lists it, else `ed25519`. */
export function answerSignatureFor(accept: string | string[] | undefined): AnswerSignature {
  const listed = (Array.isArray(accept) ? accept.join(',') : (accept ?? '')).split(',');
  return listed.some((alg) => alg.trim().toLowerCase() === 'ed25519-tree') ? 'ed25519-tree' : 'ed25519';
}

// One-shot hashing of the joined parts: a Hash object per node cost more than the node's hashing.
const sha256 = (parts: readonly Uint8Array[]): Uint8Array => hash('sha256', Buffer.concat(parts), 'buffer');

/**
 * The answers a key signs in one turn, under one signature: a turn of a busy server makes dozens, and each
 * signature costs more than all of a tree's hashes together.
 */
const treesOf = batchesPer(async (key: ActiveKey, bodies: Uint8Array[]): Promise<string[]> => {
  const { root, paths } = buildAnswerTree(bodies, sha256);
  // Signed on the event loop: one signature per turn costs less than the thread pool's hand-off and wake-ups
  // (measured: 157 → 99 µs of server CPU per validation at 100 connections).
  const sig = sign(null, treeSignedMessage(root), key.key).toString('base64');
  return paths.map(
    (path, index) =>
      `kid="${key.kid}", alg="ed25519-tree", sig="${sig}", index="${index}", path="${Buffer.from(path).toString('base64')}"`,
  );
});

/**
 * Signs with each vendor's active key: app API answers and license files. Which key is active is read
 * for every signature (the validation read brings it along, other paths ask one indexed row), so a key
 * revoked or rotated by any process stops signing everywhere at once; the parsed private key is kept
 * (a parse costs more than the signature on the validation hot path).
 */
export class VendorSigner {
  private readonly active = new Map<string, ActiveKey>();
  private readonly vendorByPrefix = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * The vendor's active key. `activeKid`, when the caller has just read it in its own query (the
   * validation read does), spares a round trip; otherwise it is read now.
   */
  async keyFor(vendorId: string, activeKid?: string | null): Promise<ActiveKey> {
    const kid = activeKid === undefined ? await this.activeKid(vendorId) : activeKid;
    if (!kid) throw new Error(`vendor ${vendorId} has no active signing key`);
    const cached = this.active.get(vendorId);
    if (cached?.kid === kid) return cached;
    const row = await this.db
      .selectFrom('signing_keys')
      .select('private_key')
      .where('vendor_id', '=', vendorId)
      .where('kid', '=', kid)
      .executeTakeFirstOrThrow();
    const key = {
      kid,
      key: createPrivateKey({
        key: Buffer.from(this.secrets.open(row.private_key), 'base64'),
        format: 'der',
        type: 'pkcs8',
      }),
    };
    this.active.set(vendorId, key);
    return key;
  }

  private async activeKid(vendorId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('signing_keys')
      .select('kid')
      .where('vendor_id', '=', vendorId)
      .where('retired_at', 'is', null)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.kid ?? null;
  }

  /** The vendor that owns a key prefix (prefixes never change, so a hit is kept). */
  async vendorIdFor(prefix: string): Promise<string | null> {
    const cached = this.vendorByPrefix.get(prefix);
    if (cached) return cached;
    const row = await this.db
      .selectFrom('vendors')
      .select('id')
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    if (row) this.vendorByPrefix.set(prefix, row.id);
    return row?.id ?? null;
  }

  /** The `Licensor-Signature` header value for these exact body bytes. */
  async signatureHeader(
    vendorId: string,
    body: string,
    activeKid?: string | null,
    alg: AnswerSignature = 'ed25519',
  ): Promise<string> {
    const active = await this.keyFor(vendorId, activeKid);
    if (alg === 'ed25519-tree') return treesOf(active).ask(Buffer.from(body));
    const signature = await signAsync(active.key, Buffer.from(body));
    return `kid="${active.kid}", alg="ed25519", sig="${signature.toString('base64')}"`;
  }

  /** A signer in core's shape, for license files. */
  async fileSigner(
    vendorId: string,
  ): Promise<{ kid: string; sign: (message: Uint8Array) => Promise<Uint8Array> }> {
    const { kid, key } = await this.keyFor(vendorId);
    return { kid, sign: async (message) => new Uint8Array(await signAsync(key, message)) };
  }
}
