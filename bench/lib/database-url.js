import fs from 'node:fs';
import pg from 'pg';

/** PostgreSQL's Unix socket directory on Debian. */
const SOCKET_DIRECTORY = '/var/run/postgresql';

/**
 * The PostgreSQL the benchmarks use: BENCH_DATABASE_URL when set, else the local server over its Unix socket when
 * it has one, else over TCP. On one machine the socket is how we advise running (README, "Scaling"): every
 * statement is a round trip, and a loopback TCP write costs about a quarter more of the server's CPU.
 */
export const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ||
  (fs.existsSync(`${SOCKET_DIRECTORY}/.s.PGSQL.5432`)
    ? `postgres://postgres@localhost/test?host=${SOCKET_DIRECTORY}`
    : 'postgres://postgres@127.0.0.1:5432/test');

/** How the benchmark reaches PostgreSQL, for the results' header. */
export const DATABASE_TRANSPORT = DATABASE_URL.includes('host=/') ? 'its Unix socket' : 'TCP';

/** Runs one statement on its own connection to the benchmarks' PostgreSQL. */
export async function runStatement(text) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Drops a store's schema and everything in it. */
export const dropSchema = (schema) => runStatement(`drop schema if exists "${schema}" cascade`);
