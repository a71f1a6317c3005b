import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite copies its write-ahead log back into the database file (a checkpoint) inside the commit that finds the
 * log past 1,000 pages, and with better-sqlite3 the whole event loop waits for that commit: the longest stalls of
 * a 100,000-coupon batch were checkpoints (32 ms, against 17 ms without them), as they are of any write-heavy
 * minute. Here the checkpoints run on a thread of their own, on a connection of their own, whenever a watched
 * database's log has grown past CHECKPOINT_BYTES; the writing connection checkpoints itself only past
 * BACKSTOP_PAGES, should that thread ever fall behind. One thread serves every database of the process.
 */
export const CHECKPOINT_BYTES = 4 * 1024 * 1024;
/** The writing connection's own `wal_autocheckpoint`: twenty times SQLite's default, reached only if the thread lags. */
export const BACKSTOP_PAGES = 20_000;
const POLL_MS = 100;

// CommonJS run with `eval`: the same code whether this module runs from TypeScript (tests) or from dist.
const WORKER_SOURCE = `
const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
const watched = new Map();
parentPort.on('message', ({ id, op, file }) => {
  let entry = watched.get(file);
  if (op === 'watch') {
    if (entry) entry.users++;
    else watched.set(file, { users: 1, connection: undefined });
  } else if (entry && --entry.users === 0) {
    entry.connection?.close();
    watched.delete(file);
  }
  parentPort.postMessage(id);
});
setInterval(() => {
  for (const [file, entry] of watched) {
    try {
      if (fs.statSync(file + '-wal').size < ${CHECKPOINT_BYTES}) continue;
      entry.connection ??= new Database(file, { fileMustExist: true, timeout: 1000 });
      // PASSIVE: copies what no reader still needs, waiting for no one; a writer restarts the log once all is copied.
      entry.connection.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // no log yet, or busy with another process's checkpoint: the next poll tries again
    }
  }
}, ${POLL_MS});
`;

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, () => void>();

function tell(op: 'watch' | 'unwatch', file: string): Promise<void> {
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (id: number) => {
      pending.get(id)?.();
      pending.delete(id);
      if (pending.size === 0) worker?.unref(); // idle, it never keeps a process alive
    });
    worker.on('error', () => {
      // The writing connection's backstop checkpoints meanwhile; the next watch starts a new thread.
      worker = undefined;
      for (const done of pending.values()) done();
      pending.clear();
    });
  }
  const id = nextId++;
  worker.ref(); // until it answers: a closing command waits for the thread's connection to close first
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker!.postMessage({ id, op, file });
  });
}

/** Checkpoints `file` off the main thread until the returned function is called (and has closed its connection). */
export function checkpointInBackground(file: string): () => Promise<void> {
  void tell('watch', file);
  return () => tell('unwatch', file);
}
