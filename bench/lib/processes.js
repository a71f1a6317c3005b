import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Starts a child process and resolves with the URL it prints ("listening on http://…"). */
export function startListening(args, env) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve({ url: match[1], child });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

export function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited with ${code}`)),
    );
  });
}

/** The environment of a benchmarked `licensor` process: quiet, unthrottled, API only, jobs off, any free port. */
export function serverEnvironment(dataDir, extra = {}) {
  return {
    DATA_DIR: dataDir,
    VALIDATE_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    SERVE_WEB: '0',
    RUN_JOBS: '0',
    PORT: '0',
    HOST: '127.0.0.1',
    ...extra,
  };
}
