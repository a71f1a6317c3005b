/**
 * Tree signatures (`alg="ed25519-tree"`, DESIGN §4): the answers a server makes in one turn are the leaves of a
 * SHA-256 Merkle tree, and one Ed25519 signature covers its root, as Roughtime signs its batches of nonces.
 * Each answer carries its place (`index`) and the sibling hashes up to the root (`path`), so it is checked
 * alone: its exact body bytes lead to a root, and the root to the signature. Leaves, nodes and padding hash
 * under different first bytes, so no node can pass for an answer; the root is signed under its own prefix, so
 * no signed root can pass for a signed body (a body is JSON) or a license file (`license/`).
 */

const LEAF = 0x00;
const NODE = 0x01;
const PAD = 0x02;
const LEAF_BYTE = Uint8Array.of(LEAF);
const NODE_BYTE = Uint8Array.of(NODE);
const PAD_BYTE = Uint8Array.of(PAD);
export const HASH_BYTES = 32;
/** A path longer than this is refused: 2^16 answers under one signature is far beyond any turn's. */
export const MAX_TREE_DEPTH = 16;
const ROOT_PREFIX = new TextEncoder().encode('licensor-tree/');

/** SHA-256 of the parts joined, synchronously (the server's `node:crypto`). */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array;

/** The message a tree's signature covers: `licensor-tree/` followed by the 32 bytes of the root. */
export function treeSignedMessage(root: Uint8Array): Uint8Array<ArrayBuffer> {
  const message = new Uint8Array(ROOT_PREFIX.length + root.length);
  message.set(ROOT_PREFIX);
  message.set(root, ROOT_PREFIX.length);
  return message;
}

/**
 * The tree over `bodies` (padded to a power of two), its root and each body's path: the sibling hashes from
 * the leaf up, joined. One body makes a tree of depth 0: its root is its leaf, its path empty. Past the last
 * body every node of a level is the same padding hash, so each level hashes its padding once.
 */
export function buildAnswerTree(
  bodies: readonly Uint8Array[],
  sha256: Sha256,
): { root: Uint8Array; paths: Uint8Array[] } {
  let depth = 0;
  while (2 ** depth < bodies.length) depth++;
  const paths = bodies.map(() => new Uint8Array(depth * HASH_BYTES));
  let level = bodies.map((body) => sha256([LEAF_BYTE, body]));
  let padding = sha256([PAD_BYTE]);
  for (let height = 0; height < depth; height++) {
    for (const [i, path] of paths.entries())
      path.set(level[Math.floor(i / 2 ** height) ^ 1] ?? padding, height * HASH_BYTES);
    const next: Uint8Array[] = [];
    for (let j = 0; j < level.length; j += 2)
      next.push(sha256([NODE_BYTE, level[j] as Uint8Array, level[j + 1] ?? padding]));
    level = next;
    padding = sha256([NODE_BYTE, padding, padding]);
  }
  return { root: level[0] as Uint8Array, paths };
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

const digest = async (parts: readonly Uint8Array[]): Promise<Uint8Array> =>
  new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', join(parts) as Uint8Array<ArrayBuffer>));

/**
 * The root an answer's body leads to from its place and path (WebCrypto, so browsers and Node alike), or
 * undefined when the path is malformed: not whole hashes, deeper than MAX_TREE_DEPTH, or an index outside
 * the tree it describes.
 */
export async function answerTreeRoot(
  body: Uint8Array,
  index: number,
  path: Uint8Array,
): Promise<Uint8Array | undefined> {
  const depth = path.length / HASH_BYTES;
  if (!Number.isInteger(depth) || depth > MAX_TREE_DEPTH) return undefined;
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** depth) return undefined;
  let hash = await digest([Uint8Array.of(LEAF), body]);
  for (let level = 0; level < depth; level++) {
    const sibling = path.subarray(level * HASH_BYTES, (level + 1) * HASH_BYTES);
    const right = Math.floor(index / 2 ** level) % 2 === 1;
    hash = await digest(right ? [Uint8Array.of(NODE), sibling, hash] : [Uint8Array.of(NODE), hash, sibling]);
  }
  return hash;
}
