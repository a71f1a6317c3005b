// npm run bench: the app API's hot paths against the real server on SQLite and PostgreSQL, beside a bare
// Fastify route in the same run. Prints a table and writes bench/RESULTS.md.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { measureBaselines } from './lib/baselines.js';
import { DATABASE_TRANSPORT, DATABASE_URL } from './lib/database-url.js';
import { MACHINES, prepare } from './lib/fixtures.js';
import { run, serverEnvironment, startListening } from './lib/processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '../packages/cli/dist/main.js');
const SECONDS = Number(process.env.BENCH_SECONDS || 8);
// The targets are at 100 connections; BENCH_CONNECTIONS=10,100 adds the light-load rows.
const CONNECTIONS = (process.env.BENCH_CONNECTIONS || '100').split(',').map(Number);
const WARMUP_SECONDS = 2;

/** Sends `body`, or each of `bodies` in turn, with `headers`. */
function load(url, { body, bodies, headers = {} }, connections, seconds = SECONDS) {
  const sent = (bodies ?? [body]).map((one) => JSON.stringify(one));
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections,
        duration: seconds,
        headers: { 'content-type': 'application/json', ...headers },
        body: sent[0],
        ...(sent.length > 1
          ? { requests: [{ setupRequest: (request) => ({ ...request, body: sent[next++ % sent.length] }) }] }
          : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function summarize(result) {
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function benchDatabase(name, env, bare, rows, processes = 1) {
  const label = processes > 1 ? `${name} ×${processes}` : name;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const serverEnv = serverEnvironment(dataDir, { ...env, WEB_CONCURRENCY: String(processes) });
  if (name === 'postgres') serverEnv.DATABASE_SCHEMA = schema;
  const { token } = JSON.parse(
    await run(
      [CLI, 'init', '--vendor', 'Bench', '--prefix', 'BNCH', '--email', 'bench@example.test'],
      serverEnv,
    ),
  );
  const { url, child } = await startListening([CLI, 'serve'], serverEnv);
  try {
    const fixture = await prepare(url, token);
    for (const [scenario, { path: route, ...sent }] of Object.entries(fixture.scenarios)) {
      await load(`${url}${route}`, sent, 10, WARMUP_SECONDS); // JIT and caches warm, not measured
      for (const connections of CONNECTIONS) {
        const measured = summarize(await load(`${url}${route}`, sent, connections));
        const base = bare.get(connections);
        rows.push({
          scenario,
          db: label,
          connections,
          ...measured,
          ratio: measured.rps / base.rps,
          p99ratio: measured.p99 / Math.max(base.p99, 1),
        });
        console.log(
          `${scenario.padEnd(9)} ${label.padEnd(11)} c=${String(connections).padEnd(3)} ${measured.rps.toFixed(0).padStart(6)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms`,
        );
      }
    }
    return fixture.answerSize;
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (name === 'postgres') {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  let memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  try {
    memory = execSync("free -h | awk '/Mem:/ {print $2}'").toString().trim();
  } catch {}
  return `${os.cpus().length} cores (${cpu}), ${memory} RAM, Node ${process.version}, ${os.platform()} ${os.release()}, PostgreSQL over ${DATABASE_TRANSPORT}`;
}

const rows = [];
/** Each baseline's figures by connections, measured in this run before the server's. */
const baselines = await measureBaselines(
  CONNECTIONS,
  (url, body) => load(url, { body }, 10, WARMUP_SECONDS),
  async (url, body, connections) => summarize(await load(url, { body }, connections)),
);
for (const [scenario, figures] of baselines)
  for (const [connections, measured] of figures) rows.push({ scenario, db: '—', connections, ...measured });
const bare = baselines.get('bare route');
for (const row of rows) {
  row.ratio = row.rps / bare.get(row.connections).rps;
  row.p99ratio = row.p99 / Math.max(bare.get(row.connections).p99, 1);
}
await benchDatabase('sqlite', {}, bare, rows);
await benchDatabase('postgres', { DATABASE_URL }, bare, rows);
// `licensor serve` with WEB_CONCURRENCY=2 (node:cluster): two server processes on one port.
await benchDatabase('sqlite', {}, bare, rows, 2);
await benchDatabase('postgres', { DATABASE_URL }, bare, rows, 2);

const header =
  '| scenario | db | connections | req/s | p50 ms | p99 ms | req/s vs bare | p99 vs bare |\n|---|---|---|---|---|---|---|---|';
const table = rows
  .map(
    (r) =>
      `| ${r.scenario} | ${r.db} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.ratio * 100).toFixed(0)}% | ${r.p99ratio.toFixed(1)}× |`,
  )
  .join('\n');
console.log(`\n${header}\n${table}`);

// Issue 12's targets, each a ratio within this run, at 100 connections.
const at100 = (scenario, db = '—') =>
  rows.find((r) => r.scenario === scenario && r.db === db && r.connections === 100);
const validateSqlite = at100('validate', 'sqlite');
const validatePostgres = at100('validate', 'postgres');
const signing = at100('signing route');
const MANY = `validate, ${MACHINES} machines`;
const unsigned = at100('unsigned license server');
const verdict = (ok) => (ok ? 'met' : 'NOT met');
const targets = [
  `validate on SQLite is ${(validateSqlite.rps / unsigned.rps).toFixed(2)}× the unsigned license server (target ≥ 1.3×: ${verdict(validateSqlite.rps >= 1.3 * unsigned.rps)})`,
  `validate on SQLite is ${(validateSqlite.rps / signing.rps).toFixed(2)}× the signing route (target ≥ 0.8×: ${verdict(validateSqlite.rps >= 0.8 * signing.rps)}), p99 ${(validateSqlite.p99 / Math.max(signing.p99, 1)).toFixed(1)}× its p99 (target ≤ 1.5×: ${verdict(validateSqlite.p99 <= 1.5 * Math.max(signing.p99, 1))})`,
  `validate signed alone (an app that does not send Licensor-Accept-Signature: ed25519-tree, one signature per answer) on SQLite is ${(at100('validate, signed alone', 'sqlite').rps / signing.rps).toFixed(2)}× the signing route and ${(at100('validate, signed alone', 'sqlite').rps / unsigned.rps).toFixed(2)}× the unsigned license server (reported: the rows above are tree-signed, as the SDKs ask)`,
  `validate on PostgreSQL is ${(validatePostgres.rps / validateSqlite.rps).toFixed(2)}× SQLite (target ≥ 0.7×: ${verdict(validatePostgres.rps >= 0.7 * validateSqlite.rps)}; one question repeated by every connection, as in the issue: SQLite answers it from its kept read while the file is unchanged, PostgreSQL reads it once per turn for all its askers)`,
  `validate of ${MACHINES} machines in turn (each request its own question, no two alike in a turn) on PostgreSQL is ${(at100(MANY, 'postgres').rps / at100(MANY, 'sqlite').rps).toFixed(2)}× SQLite (reported: PostgreSQL reads every question; SQLite still answers them from its kept reads, all ${MACHINES} kept while the file is unchanged)`,
  ...['sqlite', 'postgres'].map(
    (db) =>
      `two server processes (WEB_CONCURRENCY=2) on ${db}: validate ${(at100('validate', `${db} ×2`).rps / at100('validate', db).rps).toFixed(2)}×, activate ${(at100('activate', `${db} ×2`).rps / at100('activate', db).rps).toFixed(2)}×, heartbeat ${(at100('heartbeat', `${db} ×2`).rps / at100('heartbeat', db).rps).toFixed(2)}× one process (reported, no target: autocannon and the database share the same 2 cores)`,
  ),
  `activate on PostgreSQL: ${at100('activate', 'postgres').rps.toFixed(0)} req/s (target ≥ 3× the 733 req/s of 2026-11-22: ${verdict(at100('activate', 'postgres').rps >= 3 * 733)})`,
];
console.log(`\n${targets.join('\n')}`);
const results = path.join(here, 'RESULTS.md');
const notes = fs.existsSync(results)
  ? (fs.readFileSync(results, 'utf8').split('<!-- notes -->')[1] ?? '')
  : '';
fs.writeFileSync(
  results,
  `# Benchmark results

Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine()}.
Each row is autocannon for ${SECONDS} s against the real server (\`licensor serve\`, signed answers: tree-signed as the SDKs ask, one signature each in "signed alone") or one of three
baselines started in the same run: a bare Fastify route answering a same-size JSON, the same route signing each
answer with Ed25519, and a minimal unsigned license server (Fastify + better-sqlite3, one prepared SELECT by key).
The load generator runs on the same 2-core machine, so absolute numbers are lower than on a dedicated client.

Issue 12's targets, this run (100 connections):
${targets.map((line) => `- ${line}`).join('\n')}

${header}
${table}
<!-- notes -->${notes}`,
);
console.log(`\nwritten ${path.relative(process.cwd(), results)}`);
