import cluster, { type Worker } from 'node:cluster';
import type { Config } from '@licensor/server';

/**
 * `licensor serve` with WEB_CONCURRENCY above 1: this (primary) process only forks the servers and keeps them
 * running; they share the port (the kernel spreads connections between them). Invariants hold across them
 * because every limit is enforced in the database, as between servers on several hosts. Only the first
 * server runs background jobs (any number could: jobs are claimed in the database), so one process's jobs
 * do not compete with the others' requests for the cores.
 */
export function servePrimary(config: Config, announce: (url: string) => void): void {
  const count = config.webConcurrency;
  let stopping = false;
  let announced = false;
  let listening = 0;

  const fork = (index: number): Worker => {
    const worker = cluster.fork({
      LICENSOR_SERVER_INDEX: String(index),
      RUN_JOBS: index === 0 && config.runJobs ? '1' : '0',
    });
    worker.on('listening', (address) => {
      listening += 1;
      if (!announced && listening === count) {
        announced = true;
        announce(`http://${config.host}:${address.port}`);
      }
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      // A server that dies is replaced, so a crash costs only the requests it had in hand.
      console.error(
        `licensor: server ${index} (pid ${worker.process.pid}) exited (${signal ?? code}); restarting it`,
      );
      listening -= 1;
      fork(index);
    });
    return worker;
  };
  for (let index = 0; index < count; index += 1) fork(index);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let left = workers.length;
    if (left === 0) process.exit(0);
    let failed = false;
    for (const worker of workers) {
      worker.once('exit', (code, killedBy) => {
        // One still starting has no handler yet and simply dies of the signal: that is a clean stop too.
        failed ||= code !== 0 && killedBy !== signal;
        left -= 1;
        if (left === 0) process.exit(failed ? 1 : 0);
      });
      worker.process.kill(signal);
    }
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export const isClusterServer = () => cluster.isWorker;
