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
import { prepare } from './lib/fixtures.js';
import { run, serverEnvironment, startListening } from './lib/processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, '../packages/cli/dist/main.js');
const SECONDS = Number(process.env.BENCH_SECONDS || 8);
const CONNECTIONS = [10, 100];
const WARMUP_SECONDS = 2;
const DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

function load(url, body, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections,
        duration: SECONDS,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
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

async function benchDatabase(name, env, bare, rows) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-bench-'));
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const serverEnv = serverEnvironment(dataDir, env);
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
    for (const [scenario, { path: route, body }] of Object.entries(fixture.scenarios)) {
      await load(`${url}${route}`, body, 10, WARMUP_SECONDS); // JIT and caches warm, not measured
      for (const connections of CONNECTIONS) {
        const measured = summarize(await load(`${url}${route}`, body, connections));
        const base = bare.get(connections);
        rows.push({
          scenario,
          db: name,
          connections,
          ...measured,
          ratio: measured.rps / base.rps,
          p99ratio: measured.p99 / Math.max(base.p99, 1),
        });
        console.log(
          `${scenario.padEnd(9)} ${name.padEnd(8)} c=${String(connections).padEnd(3)} ${measured.rps.toFixed(0).padStart(6)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms`,
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
  return `${os.cpus().length} cores (${cpu}), ${memory} RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

const rows = [];
const bare = new Map();
const { url: bareUrl, child: bareChild } = await startListening([path.join(here, 'lib/bare-server.js')], {
  BODY_SIZE: '620',
});
try {
  await load(`${bareUrl}/bare`, {}, 10, WARMUP_SECONDS);
  for (const connections of CONNECTIONS) {
    const measured = summarize(await load(`${bareUrl}/bare`, {}, connections));
    bare.set(connections, measured);
    rows.push({ scenario: 'bare route', db: '—', connections, ...measured, ratio: 1, p99ratio: 1 });
    console.log(
      `bare      —        c=${connections}  ${measured.rps.toFixed(0)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms`,
    );
  }
} finally {
  bareChild.kill('SIGTERM');
}
await benchDatabase('sqlite', {}, bare, rows);
await benchDatabase('postgres', { DATABASE_URL }, bare, rows);

const header =
  '| scenario | db | connections | req/s | p50 ms | p99 ms | req/s vs bare | p99 vs bare |\n|---|---|---|---|---|---|---|---|';
const table = rows
  .map(
    (r) =>
      `| ${r.scenario} | ${r.db} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.ratio * 100).toFixed(0)}% | ${r.p99ratio.toFixed(1)}× |`,
  )
  .join('\n');
console.log(`\n${header}\n${table}`);

const validate10 = rows.find((r) => r.scenario === 'validate' && r.db === 'sqlite' && r.connections === 10);
const results = path.join(here, 'RESULTS.md');
const notes = fs.existsSync(results)
  ? (fs.readFileSync(results, 'utf8').split('<!-- notes -->')[1] ?? '')
  : '';
fs.writeFileSync(
  results,
  `# Benchmark results

Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine()}.
Each row is autocannon for ${SECONDS} s against the real server (\`licensor serve\`, signed answers) or, for the
baseline, a bare Fastify route answering a same-size JSON, started in the same run. The load generator runs on the
same 2-core machine, so absolute numbers are lower than on a dedicated client.

Targets (SQLite, validate): ≥ 50% of the bare route's req/s, and p99 ≤ 1.5× the bare p99 at the same concurrency.
This run: validate at 10 connections reached ${(validate10.ratio * 100).toFixed(0)}% of the bare route, p99 ${validate10.p99ratio.toFixed(1)}×.

${header}
${table}
<!-- notes -->${notes}`,
);
console.log(`\nwritten ${path.relative(process.cwd(), results)}`);
