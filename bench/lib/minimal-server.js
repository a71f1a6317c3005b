// The "hand-rolled" license check a vendor might compare us with (issue 12): Fastify and better-sqlite3, one
// prepared SELECT by key, an unsigned JSON answer of the same size as ours. 10,000 keys in a temporary file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minimal-license-'));
const db = new Database(path.join(dir, 'keys.sqlite'));
db.pragma('journal_mode = WAL');
db.exec(`create table keys (key text primary key, customer text not null, product text not null,
  status text not null, expires_at text not null, capabilities text not null)`);
const insert = db.prepare('insert into keys values (?, ?, ?, ?, ?, ?)');
db.transaction(() => {
  for (let i = 0; i < 10_000; i++)
    insert.run(
      `KEY-${i}`,
      `Customer ${i}`,
      'bench',
      'active',
      '2099-01-01T00:00:00.000Z',
      '["run","export"]',
    );
})();
const byKey = db.prepare('select * from keys where key = ?');
const answer = (row, pad) => ({
  valid: Boolean(row && row.status === 'active' && row.expires_at > new Date().toISOString()),
  key: row?.key ?? null,
  customer: row?.customer ?? null,
  expiresAt: row?.expires_at ?? null,
  pad,
});
// Padded to BODY_SIZE bytes for the bench's key (KEY-42), as the bare route is.
const size = Number(process.env.BODY_SIZE || 940);
const pad = 'x'.repeat(Math.max(0, size - JSON.stringify(answer(byKey.get('KEY-42'), '')).length));
const app = Fastify();
app.post('/validate', (request, reply) => {
  reply.send(answer(byKey.get(request.body?.key), pad));
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
process.on('SIGTERM', () => process.exit(0));
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
