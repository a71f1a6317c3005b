// Tree-signed answers (alg="ed25519-tree") for the SDKs' cross-check vectors: genuine ones and ways to bend
// the header, each a `header(body)` for one answer. The generators ask the TypeScript SDK what it makes of
// each, so the Go and Python SDKs are held to the reference on the parsing edge cases that conformance/
// (recorded from a real server) cannot produce. Used by sdks/go/testdata/gen-crosscheck.mjs and
// sdks/python/tests/fixtures/make_ts_vectors.mjs.
import { createHash } from 'node:crypto';
import { buildAnswerTree, treeSignedMessage } from '@licensor/core';

const sha256 = (parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
const neighbours = [1, 2, 3, 4].map((n) => Buffer.from(JSON.stringify({ neighbour: n })));
const b64 = (bytes) => Buffer.from(bytes).toString('base64');

/**
 * The header of `body` signed at `index` of a tree whose other leaves are neighbours' answers (`size` in all).
 * `signer(message)` signs the tree's message; `fields` rewrites the header's fields before they are joined.
 */
function treeHeader(body, { key, index = 1, size = 3, signer, fields = (f) => f } = {}) {
  const bodies = [...neighbours.slice(0, index), body, ...neighbours.slice(index, size - 1)];
  const { root, paths } = buildAnswerTree(bodies, sha256);
  const sig = (signer ?? ((message) => key.raw(message)))(treeSignedMessage(root), root);
  const entries = fields([
    ['kid', key.kid],
    ['alg', 'ed25519-tree'],
    ['sig', b64(sig)],
    ['index', String(index)],
    ['path', b64(paths[index])],
  ]);
  return entries.map(([name, value]) => `${name}="${value}"`).join(', ');
}

const set = (name, value) => (entries) => entries.map(([n, v]) => [n, n === name ? value(v) : v]);
const drop = (name) => (entries) => entries.filter(([n]) => n !== name);

/** `[name, header(body)]` for each case; `k1` and `k2` are published keys, `stranger` is not. */
export function treeCases({ k1, k2, stranger }) {
  const with1 = (options) => (body) => treeHeader(body, { key: k1, ...options });
  return [
    ['tree: genuine, second answer of three', with1({})],
    ['tree: genuine, alone in its tree (empty path)', with1({ index: 0, size: 1 })],
    ['tree: genuine, last of five (padding beside it)', with1({ index: 4, size: 5 })],
    ['tree: signed by the second key', (body) => treeHeader(body, { key: k2 })],
    ['tree: alg in upper case', with1({ fields: set('alg', () => 'ED25519-TREE') })],
    [
      'tree: fields reordered, extra field',
      with1({ fields: (entries) => [...entries.reverse(), ['v', '2']] }),
    ],
    ['tree: index with a leading zero', with1({ fields: set('index', (v) => `0${v}`) })],
    ['tree: index with a plus sign', with1({ fields: set('index', (v) => `+${v}`) })],
    ['tree: index in hex', with1({ fields: set('index', () => '0x1') })],
    ['tree: index empty', with1({ fields: set('index', () => '') })],
    ['tree: index missing', with1({ fields: drop('index') })],
    ['tree: index outside its tree', with1({ fields: set('index', () => '4') })],
    ['tree: index repeated', with1({ fields: (entries) => [...entries, ['index', '0']] })],
    ['tree: the neighbour’s place with this path', with1({ fields: set('index', () => '0') })],
    ['tree: path missing', with1({ fields: drop('path') })],
    ['tree: path without its base64 padding', with1({ fields: set('path', (v) => v.replace(/=+$/, '')) })],
    [
      'tree: path with a space inside',
      with1({ fields: set('path', (v) => `${v.slice(0, 8)} ${v.slice(8)}`) }),
    ],
    ['tree: path of 17 levels', with1({ fields: set('path', () => b64(new Uint8Array(17 * 32))) })],
    ['tree: alg ed25519 on a tree signature', with1({ fields: set('alg', () => 'ed25519') })],
    ['tree: root signed without its prefix', with1({ signer: (_message, root) => k1.raw(root) })],
    [
      'tree: alone, the body signed instead of the root',
      (body) => treeHeader(body, { key: k1, index: 0, size: 1, signer: () => k1.raw(body) }),
    ],
    ['tree: signed by a stranger under our kid', with1({ signer: (message) => stranger.raw(message) })],
  ];
}
