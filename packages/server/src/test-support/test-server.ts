import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type CreatedVendor, createVendor } from '../modules/vendors/vendors.service.js';
import { type Clock, ManualClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { AppContext } from '../platform/context.js';
import type { Api } from '../platform/http/types.js';
import { createApp, createContext } from '../server.js';
import { createTestStore, type TestDialect, type TestStore } from './databases.js';
import { ApiClient } from './http-client.js';

/** A real server on a free port over a fresh store, with one vendor ready to use. */
export interface TestServer {
  readonly url: string;
  readonly ctx: AppContext;
  readonly app: Api;
  readonly store: TestStore;
  readonly clock: ManualClock;
  readonly vendor: CreatedVendor;
  /** Unauthenticated client (the app API). */
  readonly anon: ApiClient;
  /** Client with the vendor owner's API token. */
  readonly api: ApiClient;
  /** Another vendor on the same server. */
  addVendor(prefix: string, email?: string): Promise<CreatedVendor>;
  close(): Promise<void>;
}

let vendorCount = 0;

export async function startTestServer(
  dialect: TestDialect,
  options: { clock?: ManualClock; config?: Partial<Config>; prefix?: string } = {},
): Promise<TestServer> {
  const store = createTestStore(dialect, options.config);
  const clock = options.clock ?? new ManualClock(new Date('2026-01-15T10:00:00.000Z'));
  const ctx = await createContext(store.config, clock as Clock);
  const app = await createApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const addVendor = (prefix: string, email = `owner${++vendorCount}-${prefix.toLowerCase()}@example.test`) =>
    createVendor(ctx, {
      name: `${prefix} Software`,
      prefix,
      ownerEmail: email,
      ownerPassword: 'correct-horse-1',
    });
  const vendor = await addVendor(options.prefix ?? 'ACME');
  const anon = new ApiClient(url);
  return {
    url,
    ctx,
    app,
    store,
    clock,
    vendor,
    anon,
    api: anon.withToken(vendor.token),
    addVendor,
    async close() {
      await app.close();
      await ctx.handle.close();
      await store.drop();
    },
  };
}

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

/** Runs the built `licensor` command to completion and returns its output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `licensor serve` child process (for multi-process and crash tests); resolves once it listens. */
export async function spawnServer(
  env: Record<string, string>,
  port = 0,
): Promise<{ url: string; child: ChildProcess; output: string[] }> {
  const { match, child, output } = await spawnLicensor(
    ['serve'],
    { ...env, PORT: String(port), HOST: '127.0.0.1', SERVE_WEB: '0' },
    /listening on (http:\/\/\S+)/,
  );
  return { url: match[1], child, output };
}

/** A `licensor worker` child process; resolves once it runs jobs. */
export async function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  return (await spawnLicensor(['worker'], env, /is running jobs/)).child;
}

/** Starts a long-running `licensor` command and resolves once it prints a line matching `ready`. */
async function spawnLicensor(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ match: RegExpExecArray; child: ChildProcess; output: string[] }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const output: string[] = [];
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      const found = ready.exec(line);
      if (found) resolve(found);
    });
    child.on('exit', (code) => reject(new Error(`licensor ${args[0]} exited with ${code}: ${stderr}`)));
  });
  return { match, child, output };
}

export { createTestStore };
