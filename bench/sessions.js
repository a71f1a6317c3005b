// Floating seats at scale (issue 12, item 3): 100,000 live sessions on ONE floating license — written straight
// into the database (as a server that has run for a while holds them), then 5,000 more opened through the app API
// with 95,000 live, then all heart-beating every 60 s (≈ 1,667 heartbeats/s) for two minutes while 2,000 others
// stop and the reaper ends them; the server's memory is sampled throughout. PostgreSQL by default
// (BENCH_DB=sqlite for SQLite). Loopback only, bounded in time (≈ 3 minutes). Prints a table and writes
// bench/results-sessions.md. BENCH_LICENSES=1000000 first seeds the vendor with the million-license dataset
// (`licensor seed`: 1,000,000 licenses and 100,000 live sessions of their own, which run out and are reaped
// meanwhile) and writes bench/results-sessions-1m.md (issue 12, item 5; part of `npm run bench:scale`).
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pg from 'pg';
import { DATABASE_TRANSPORT, DATABASE_URL, dropSchema, runStatement } from './lib/database-url.js';
import { run, serverEnvironment, startListening } from './lib/processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '../packages/cli/dist/main.js');
const DB = process.env.BENCH_DB || 'postgres';
const LIVE = Number(process.env.BENCH_SESSIONS || 100_000);
const STOPPING = Math.round(LIVE / 50); // these never beat: their 30 s TTL runs out during the heartbeat phase
/** How long the stopped sessions may wait for the reaper after the heartbeat phase. */
const REAPER_WAIT_MS = 180_000;
const MEASURED_OPENS = 5_000;
/** Opens before the measured ones, so the server's JIT has compiled the path (as in a server that has run a while). */
const WARMUP_OPENS = 1_000;
const HEARTBEAT_SECONDS = Number(process.env.BENCH_HEARTBEAT_SECONDS || 120);
const HEARTBEAT_RATE = Math.round(LIVE / 60);
const SEEDED_LICENSES = Number(process.env.BENCH_LICENSES || 0);

async function call(url, token, method, route, body) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Writes `count` open sessions of the license straight into the database (devices `first`…, expiring in
 * `ttlSeconds`), counts them on the license, and gathers statistics, as autovacuum or `PRAGMA optimize` would have
 * on a server that has been running; their ids.
 */
async function seedSessions(target, license, first, count, ttlSeconds) {
  const now = new Date();
  const rows = Array.from({ length: count }, (_, i) => [
    randomUUID(),
    `device-${first + i}`,
    now.toISOString(),
    new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
  ]);
  const columns = `id, vendor_id, license_id, key_id, resource_kind, resource_id, started_at, last_heartbeat_at,
    expires_at, ttl_seconds`;
  if (target.pg) {
    const column = (i) => rows.map((row) => row[i]);
    await target.pg.query(
      `insert into "${target.schema}".sessions (${columns})
       select id, $5, $6, $7, 'device', resource, at, at, expires, $8
         from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as s(id, resource, at, expires)`,
      [column(0), column(1), column(2), column(3), license.vendorId, license.id, license.keyId, ttlSeconds],
    );
    await target.pg.query(
      `update "${target.schema}".licenses set live_sessions = live_sessions + $2 where id = $1`,
      [license.id, count],
    );
    await target.pg.query(`analyze "${target.schema}".sessions`);
  } else {
    const insert = target.sqlite.prepare(
      `insert into sessions (${columns}) values (?, ?, ?, ?, 'device', ?, ?, ?, ?, ?)`,
    );
    target.sqlite.transaction(() => {
      for (const [id, resource, at, expires] of rows)
        insert.run(id, license.vendorId, license.id, license.keyId, resource, at, at, expires, ttlSeconds);
      target.sqlite
        .prepare('update licenses set live_sessions = live_sessions + ? where id = ?')
        .run(count, license.id);
    })();
    target.sqlite.exec('analyze sessions');
  }
  return rows.map((row) => row[0]);
}

/** Opens `count` sessions for devices `first`…, at 64 connections; their ids, and the rate. */
function openSessions(url, key, first, count, ttlSeconds) {
  const ids = [];
  let next = first;
  // Timed to the last answer: autocannon ends a run of `amount` requests at its next one-second tick, so its
  // duration read 5,000 opens as 1,250/s or 1,000/s, whatever their pace.
  const started = performance.now();
  let answeredAt = started;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: 64,
        amount: count,
        requests: [
          {
            method: 'POST',
            path: '/v1/sessions',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({
                key,
                product: 'floating-bench',
                resource: { kind: 'device', id: `device-${next++}` },
                ttlSeconds,
              }),
            }),
            onResponse: (status, body) => {
              answeredAt = performance.now();
              if (status === 201) ids.push(JSON.parse(body).id);
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        if (result.non2xx > 0 || result.errors > 0)
          return reject(new Error(`opening sessions: ${result.non2xx} non-2xx, ${result.errors} errors`));
        resolve({
          ids,
          rps: count / ((answeredAt - started) / 1000),
          p99: result.latency.p99,
          p50: result.latency.p50,
        });
      },
    );
  });
}

/**
 * Keep-alive connections of the paced load. autocannon paces `overallRate` per connection, and with 100 mostly
 * idle connections its own latency floor at this rate is tens of milliseconds (GET /healthz, p50 19 ms at 200/s):
 * the figure would measure the harness. At 10 connections /healthz answers at p99 ≈ 2 ms; the same run prints it.
 */
const PACED_CONNECTIONS = 10;

/** `duration` seconds of POSTs at `rate` per second, each to the next path of `pathOf` (a GET when no body). */
function paced(url, rate, duration, pathOf, body) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: PACED_CONNECTIONS,
        overallRate: rate,
        duration,
        requests: [
          {
            method: body === undefined ? 'GET' : 'POST',
            ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
            setupRequest: (request) => ({ ...request, path: pathOf() }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** Every session beats once a minute, spread evenly: LIVE / 60 requests per second for HEARTBEAT_SECONDS. */
function heartbeats(url, ids) {
  let next = 0;
  return paced(
    url,
    HEARTBEAT_RATE,
    HEARTBEAT_SECONDS,
    () => `/v1/sessions/${ids[next++ % ids.length]}/heartbeat`,
    '{}',
  );
}

/** The harness's own floor at the heartbeats' pace: the server's cheapest route. */
const healthz = (url) => paced(url, HEARTBEAT_RATE, 10, () => '/healthz');

/** The largest resident set of `pid` (and its children, for WEB_CONCURRENCY > 1) while `work` runs. */
async function peakMemory(pid, work) {
  let peak = 0;
  const sample = () => {
    let total = 0;
    for (const each of [pid, ...childrenOf(pid)]) {
      const status = fs.readFileSync(`/proc/${each}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    }
    peak = Math.max(peak, total);
  };
  const timer = setInterval(() => {
    try {
      sample();
    } catch {
      // a process that just ended
    }
  }, 500);
  try {
    return { result: await work(), peak: () => peak };
  } finally {
    clearInterval(timer);
  }
}

function childrenOf(pid) {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-sessions-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const env = serverEnvironment(dataDir, {
    RUN_JOBS: '1', // the reaper runs in the server, every 10 s here
    SESSION_REAP_SECONDS: '10',
    ...(DB === 'postgres' ? { DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    WEB_CONCURRENCY: process.env.WEB_CONCURRENCY || '1',
  });
  const { token, vendor } = JSON.parse(
    await run([CLI, 'init', '--vendor', 'Floating', '--prefix', 'FLTB', '--email', 'f@fltb.test'], env),
  );
  if (SEEDED_LICENSES > 0) {
    const seeding = Date.now();
    await run([CLI, 'seed', '--vendor', 'FLTB', '--licenses', String(SEEDED_LICENSES)], env);
    // What the bulk load left in the buffers is written out now, not during the measured minutes.
    if (DB === 'postgres') await runStatement('checkpoint');
    console.log(
      `seeded ${SEEDED_LICENSES.toLocaleString('en')} licenses in ${((Date.now() - seeding) / 1000).toFixed(0)} s`,
    );
  }
  const { url, child } = await startListening([CLI, 'serve'], env);
  const rows = [];
  try {
    const product = await call(url, token, 'POST', '/v1/products', {
      code: 'floating-bench',
      name: 'Floating',
    });
    const type = await call(url, token, 'POST', '/v1/license-types', {
      productId: product.id,
      name: 'Floating 200k',
      scope: 'floating',
      mode: 'subscription',
      term: { unit: 'year', count: 1 },
      maxSessions: 200_000,
      heartbeatSeconds: 60,
      capabilities: [],
    });
    const customer = await call(url, token, 'POST', '/v1/customers', { name: 'A very large customer' });
    const key = await call(url, token, 'POST', '/v1/keys', { customerId: customer.id });
    const license = await call(url, token, 'POST', `/v1/keys/${key.id}/licenses`, { licenseTypeId: type.id });

    const target =
      DB === 'postgres'
        ? { pg: new pg.Client({ connectionString: DATABASE_URL }), schema }
        : { sqlite: new Database(path.join(dataDir, 'licensor.sqlite')) };
    await target.pg?.connect();
    const seeded = { id: license.id, keyId: key.id, vendorId: vendor.id };
    const bulk = LIVE - STOPPING - MEASURED_OPENS - WARMUP_OPENS;
    const started = Date.now();
    const first = await seedSessions(target, seeded, 0, bulk, 600);
    await seedSessions(target, seeded, bulk, STOPPING, 30);
    console.log(`wrote ${bulk + STOPPING} sessions in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await (target.pg ? target.pg.end() : target.sqlite.close());

    const { result, peak } = await peakMemory(child.pid, async () => {
      const warm = await openSessions(url, key.key, bulk + STOPPING, WARMUP_OPENS, 600);
      const measured = await openSessions(url, key.key, bulk + STOPPING + WARMUP_OPENS, MEASURED_OPENS, 600);
      console.log(`the last ${MEASURED_OPENS} opens: ${measured.rps.toFixed(0)}/s, p99 ${measured.p99} ms`);
      const beating = [...first, ...warm.ids, ...measured.ids];
      const floor = await healthz(url);
      const beat = await heartbeats(url, beating);
      console.log(
        `heartbeats: ${beat.requests.average.toFixed(0)}/s, p50 ${beat.latency.p50} ms, p99 ${beat.latency.p99} ms, ${beat.non2xx} non-2xx`,
      );
      return { measured, beat, beating, floor };
    });

    const live = await call(url, token, 'GET', `/v1/licenses/${license.id}`);
    const db = DB === 'postgres' ? new pg.Client({ connectionString: DATABASE_URL }) : undefined;
    let ended = 'n/a';
    if (db) {
      await db.connect();
      const count = async () =>
        (
          await db.query(
            `select count(*) filter (where ended_at is null)::int as open,
                    count(*) filter (where end_reason = 'expired')::int as expired
               from "${schema}".sessions where license_id = $1`,
            [license.id],
          )
        ).rows[0];
      // Over the million, the dataset's own live sessions run out during the run too, most before these: the
      // reaper ends the oldest first, so these may wait for that backlog; how long is reported.
      const waiting = Date.now();
      let counted = await count();
      while (counted.expired < STOPPING && Date.now() - waiting < REAPER_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        counted = await count();
      }
      const waited = ((Date.now() - waiting) / 1000).toFixed(0);
      ended = `${counted.expired} of ${STOPPING} ended by the reaper (${waited} s after the heartbeats ended); ${counted.open} open`;
      await db.end();
    }
    const heartbeatOk = result.beat.non2xx === 0 && result.beat.errors === 0;
    rows.push(
      [
        `open sessions on one license with ${(LIVE - MEASURED_OPENS).toLocaleString('en')} live (the last ${MEASURED_OPENS.toLocaleString('en')})`,
        `${result.measured.rps.toFixed(0)}/s`,
        `p99 ${result.measured.p99} ms`,
        `≥ 1,000/s — ${result.measured.rps >= 1000 ? 'met' : 'NOT met'}`,
      ],
      [
        `heartbeats, ${result.beating.length.toLocaleString('en')} sessions every 60 s for ${HEARTBEAT_SECONDS} s (${PACED_CONNECTIONS} connections)`,
        `${result.beat.requests.average.toFixed(0)}/s (asked ${HEARTBEAT_RATE}/s), ${result.beat.non2xx} refused`,
        `p50 ${result.beat.latency.p50} ms, p99 ${result.beat.latency.p99} ms`,
        `p99 ≤ 20 ms — ${heartbeatOk && result.beat.latency.p99 <= 20 ? 'met' : 'NOT met'}`,
      ],
      [
        `baseline: GET /healthz at the same pace and ${PACED_CONNECTIONS} connections, 10 s`,
        `${result.floor.requests.average.toFixed(0)}/s`,
        `p50 ${result.floor.latency.p50} ms, p99 ${result.floor.latency.p99} ms`,
        '—',
      ],
      ['sessions that stopped beating', ended, '—', 'all ended'],
      ['server RSS, peak', mb(peak()), '—', `< 300 MB — ${peak() < 300 * 1024 * 1024 ? 'met' : 'NOT met'}`],
    );
    if (live?.id !== license.id) throw new Error('the license card did not answer');
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (DB === 'postgres') await dropSchema(schema);
  }
  const table = [
    '| measurement | result | latency | target |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  console.log(`\n${table}`);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const dataset = SEEDED_LICENSES
    ? ` The vendor also holds the seeded dataset: ${SEEDED_LICENSES.toLocaleString('en')} licenses, with live sessions of their own that run out and are reaped during the run.`
    : '';
  fs.writeFileSync(
    path.join(here, SEEDED_LICENSES ? 'results-sessions-1m.md' : 'results-sessions.md'),
    `# Floating seats at scale\n\n\`node bench/sessions.js\` on ${new Date().toISOString().slice(0, 10)}, ${DB}, ` +
      `WEB_CONCURRENCY=${env.WEB_CONCURRENCY}, PostgreSQL over ${DATABASE_TRANSPORT}; ${os.cpus().length} cores (${cpu}), Node ${process.version}. ` +
      `One floating license, ${LIVE.toLocaleString('en')} sessions; autocannon on the same machine.${dataset}\n\n${table}\n`,
  );
}

await main();
