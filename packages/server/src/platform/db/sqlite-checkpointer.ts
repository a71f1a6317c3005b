import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite copies its write-ahead log back into the database file (a checkpoint) inside the commit that finds the
 * log past 1,000 pages, and with better-sqlite3 the whole event loop waits for that commit: the longest stalls of
 * a 100,000-coupon batch were checkpoints (32 ms, against 17 ms without them), as they are of any write-heavy
 * minute. Here the checkpoints run on a thread of their own, on a connection of their own, whenever a watched
 * database's log has grown past CHECKPOINT_BYTES. The writing connection keeps the log's file at most
 * LOG_KEPT_BYTES when it starts it again (so its size says how much is waiting), and checkpoints itself only past
 * BACKSTOP_PAGES, should that thread fall behind or be gone. One thread serves every database of the process,
 * while any is open.
 */
export const CHECKPOINT_BYTES = 4 * 1024 * 1024;
/** The writing connection's `journal_size_limit`: a log started again is cut to this, below CHECKPOINT_BYTES. */
export const LOG_KEPT_BYTES = 1024 * 1024;
/** The writing connection's own `wal_autocheckpoint`: twenty times SQLite's default, reached only if the thread lags. */
export const BACKSTOP_PAGES = 20_000;
const POLL_MS = 100;
/** How long a closing handle waits for the thread to let go of its file. */
const LET_GO_MS = 2_000;
/** Threads started again after one died, at most, before the backstop alone is left to checkpoint. */
const RESTARTS = 3;

// CommonJS run with `eval`: the same code whether this module runs from TypeScript (tests) or from dist.
const WORKER_SOURCE = `
const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
const watched = new Map();
parentPort.on('message', ({ id, op, file }) => {
  if (op === 'watch') watched.set(file, watched.get(file));
  else {
    watched.get(file)?.close();
    watched.delete(file);
  }
  parentPort.postMessage(id);
});
setInterval(() => {
  for (const [file, connection] of watched) {
    try {
      if (fs.statSync(file + '-wal').size < ${CHECKPOINT_BYTES}) continue;
      const open = connection ?? new Database(file, { fileMustExist: true, timeout: 1000 });
      watched.set(file, open);
      // PASSIVE: copies what no reader still needs, waiting for no one; a writer starts the log again once all is copied.
      open.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // no log yet, or another process checkpointing: the next poll tries again
    }
  }
}, ${POLL_MS});
`;

/** Open handles per database file, kept here so a thread started again is told them all. */
const watched = new Map<string, number>();
let worker: Worker | undefined;
let restarts = 0;
let nextId = 0;
const pending = new Map<number, () => void>();

function settleAll(): void {
  for (const done of pending.values()) done();
  pending.clear();
}

function start(): Worker {
  const started = new Worker(WORKER_SOURCE, { eval: true });
  started.unref(); // idle, it never keeps a process alive
  started.on('message', (id: number) => {
    pending.get(id)?.();
    pending.delete(id);
    if (pending.size === 0) started.unref();
  });
  started.on('error', () => {}); // followed by 'exit'
  started.on('exit', () => {
    if (worker !== started) return; // let go of on purpose
    worker = undefined;
    settleAll();
    if (watched.size > 0 && restarts++ < RESTARTS)
      for (const file of watched.keys()) void tell('watch', file);
  });
  worker = started;
  return started;
}

/** Sends `op` to the thread (started if need be); settles when it answers, exits, or LET_GO_MS pass. */
function tell(op: 'watch' | 'unwatch', file: string): Promise<void> {
  let thread: Worker;
  try {
    thread = worker ?? start();
  } catch {
    return Promise.resolve(); // no thread to be had: the writing connection's backstop checkpoints
  }
  const id = nextId++;
  thread.ref(); // until it answers: a closing command waits for the thread's connection to close first
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve();
    }, LET_GO_MS);
    timer.unref();
    pending.set(id, () => {
      clearTimeout(timer);
      resolve();
    });
    thread.postMessage({ id, op, file });
  });
}

/** Checkpoints `file` off the main thread until the returned function is called (and has let go of the file). */
export function checkpointInBackground(file: string): () => Promise<void> {
  watched.set(file, (watched.get(file) ?? 0) + 1);
  if (watched.get(file) === 1) void tell('watch', file);
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    const users = (watched.get(file) ?? 1) - 1;
    if (users > 0) {
      watched.set(file, users);
      return;
    }
    watched.delete(file);
    if (worker) await tell('unwatch', file);
    if (watched.size === 0 && worker) {
      const idle = worker;
      worker = undefined;
      await idle.terminate();
    }
  };
}
