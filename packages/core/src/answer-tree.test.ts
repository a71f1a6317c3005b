import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  answerTreeRoot,
  buildAnswerTree,
  HASH_BYTES,
  MAX_TREE_DEPTH,
  treeSignedMessage,
} from './answer-tree.js';

const sha256 = (parts: readonly Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
const bodies = (count: number) =>
  Array.from({ length: count }, (_, i) => new TextEncoder().encode(`{"answer":${i}}`));
const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);

describe('answer trees', () => {
  it('every answer of a turn, whatever their number, leads to the one root from its own place and path', async () => {
    for (const count of [1, 2, 3, 5, 8, 33, 64]) {
      const answers = bodies(count);
      const { root, paths } = buildAnswerTree(answers, sha256);
      expect(paths).toHaveLength(count);
      const depth = Math.ceil(Math.log2(count));
      for (const [index, body] of answers.entries()) {
        expect(paths[index]).toHaveLength(depth * HASH_BYTES);
        expect(hex(await answerTreeRoot(body, index, paths[index] as Uint8Array))).toBe(hex(root));
      }
    }
  });

  it('five answers make the tree of eight leaves the format defines: three of them padding', () => {
    const answers = bodies(5);
    const leaf = (i: number) => sha256([Uint8Array.of(0), answers[i] as Uint8Array]);
    const node = (left: Uint8Array, right: Uint8Array) => sha256([Uint8Array.of(1), left, right]);
    const pad = sha256([Uint8Array.of(2)]);
    const root = node(
      node(node(leaf(0), leaf(1)), node(leaf(2), leaf(3))),
      node(node(leaf(4), pad), node(pad, pad)),
    );
    const built = buildAnswerTree(answers, sha256);
    expect(hex(built.root)).toBe(hex(root));
    expect(hex(built.paths[4])).toBe(
      hex(
        new Uint8Array([...pad, ...node(pad, pad), ...node(node(leaf(0), leaf(1)), node(leaf(2), leaf(3)))]),
      ),
    );
  });

  it('a lone answer is its own root: the hash of its body as a leaf', async () => {
    const [body] = bodies(1) as [Uint8Array];
    const { root, paths } = buildAnswerTree([body], sha256);
    expect(hex(root)).toBe(hex(sha256([Uint8Array.of(0), body])));
    expect(hex(await answerTreeRoot(body, 0, paths[0] as Uint8Array))).toBe(hex(root));
  });

  it('an answer does not reach the root with another body, another place or another answer’s path', async () => {
    const answers = bodies(6);
    const { root, paths } = buildAnswerTree(answers, sha256);
    const [first, second] = answers as [Uint8Array, Uint8Array];
    const [firstPath, secondPath] = paths as [Uint8Array, Uint8Array];
    expect(hex(await answerTreeRoot(second, 0, firstPath))).not.toBe(hex(root));
    expect(hex(await answerTreeRoot(first, 1, firstPath))).not.toBe(hex(root));
    expect(hex(await answerTreeRoot(first, 0, secondPath))).not.toBe(hex(root));
    const flipped = firstPath.slice();
    flipped[5] = (flipped[5] as number) ^ 1;
    expect(hex(await answerTreeRoot(first, 0, flipped))).not.toBe(hex(root));
  });

  it('a node of the tree does not pass for an answer: leaves and nodes hash apart', async () => {
    const answers = bodies(4);
    const { root, paths } = buildAnswerTree(answers, sha256);
    // The node over the first two leaves, offered as a body one level up with the third-and-fourth node as path.
    const left = sha256([Uint8Array.of(0), answers[0] as Uint8Array]);
    const right = sha256([Uint8Array.of(0), answers[1] as Uint8Array]);
    const node = new Uint8Array([...left, ...right]);
    const upper = (paths[0] as Uint8Array).subarray(HASH_BYTES);
    expect(hex(await answerTreeRoot(node, 0, upper))).not.toBe(hex(root));
  });

  it('a malformed path is no root: not whole hashes, deeper than the limit, or an index outside its tree', async () => {
    const [body] = bodies(1) as [Uint8Array];
    expect(await answerTreeRoot(body, 0, new Uint8Array(HASH_BYTES + 1))).toBeUndefined();
    expect(await answerTreeRoot(body, 0, new Uint8Array(HASH_BYTES * (MAX_TREE_DEPTH + 1)))).toBeUndefined();
    expect(await answerTreeRoot(body, 2, new Uint8Array(HASH_BYTES))).toBeUndefined();
    expect(await answerTreeRoot(body, -1, new Uint8Array(HASH_BYTES))).toBeUndefined();
    expect(await answerTreeRoot(body, 0.5, new Uint8Array(HASH_BYTES))).toBeUndefined();
    expect(await answerTreeRoot(body, 1, new Uint8Array(HASH_BYTES))).toBeDefined();
  });

  it('the signed message is the root under its own prefix, which no JSON body or license file starts with', () => {
    const message = new TextDecoder().decode(treeSignedMessage(new Uint8Array(HASH_BYTES)).subarray(0, 14));
    expect(message).toBe('licensor-tree/');
  });
});
