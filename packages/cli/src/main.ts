#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Term } from '@licensor/core';
import { createLicenseRequest, type Period } from '@licensor/sdk';
import {
  type AppContext,
  backupDatabase,
  COUPON_TYPES,
  type Config,
  type CouponType,
  cliActor,
  createBackgroundWork,
  createContext,
  createVendor,
  customersFromCsv,
  datasetOf,
  exportBatchCsv,
  exportVendorData,
  generateCouponBatch,
  importVendorData,
  listVendorSigningKeys,
  loadConfig,
  restoreDatabase,
  rotateSigningKey,
  seedDataset,
  startServer,
} from '@licensor/server';
import { isClusterServer, servePrimary } from './cluster.js';

const USAGE = `licensor <command> [options]

Commands:
  serve                         start the server (runs pending migrations first)
  init --vendor NAME --prefix ABCD --email E [--password P]
                                create a vendor, its owner, a signing key and an API token; prints JSON
  migrate                       apply pending database migrations
  worker                        run background jobs (mail, reminders, webhooks, session reaping) without serving HTTP
  keys list --vendor ABCD       the vendor's signing keys (active, retired, revoked)
  keys rotate --vendor ABCD     a new active signing key; the old one retires but still verifies
  coupons generate --vendor ABCD --type add_product|extend_trial|change_composition
          (--product CODE | --license-type ID) [--term 1y|6m|30d|perpetual] [--days N]
          [--count N] [--partner ID] [--reusable] [--key KEY] [--activate-now] [--comment C] [--out FILE.csv]
                                generate a coupon batch with a progress bar; writes every code to a CSV
  seed --vendor ABCD [--licenses 1000000]
                                write a realistic dataset into the vendor for benchmarks (straight inserts:
                                per 5 licenses a key, per 50 a customer; live sessions, redemptions, events)
  import --vendor ABCD FILE.json|FILE.csv [--dry-run] [--partial]
                                import customers, keys (their strings kept), licenses and bindings, each row with
                                an externalId: a second import of the same file changes nothing. JSON holds
                                { customers, keys, licenses, bindings }; a .csv file holds customers only. Every
                                row is checked first: with any bad row it prints them all and writes nothing
                                (exit 1), unless --partial (the good rows are written). Prints a JSON report
  export --vendor ABCD [--out FILE.json]
                                the vendor's customers, keys, licenses and bindings in the file import reads
                                (stdout without --out)
  backup --out FILE|DIR [--force]
                                a consistent copy of the SQLite database while servers and workers run (a DIR
                                gets licensor-<time>.sqlite; an existing FILE is kept unless --force); prints JSON
                                with the file and where the master key is: it is NOT in the backup. On PostgreSQL
                                it exits 1 and prints the pg_dump command
  restore FILE                  replace DATA_DIR's SQLite database with a backup, once it is checked whole,
                                Licensor's, not newer than this version and opened by the master key; refuses
                                (exit 1, nothing changed) otherwise, or while a server or worker has it open.
                                The replaced database is kept beside it. On PostgreSQL: prints pg_restore's command
  request --product P --installation ID --start YYYY-MM-DD --period month|3months|year|perpetual
          [--tenant T] [--out DIR]
                                write licensereq-<product>.txt, a license request to send to the vendor

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL, ... (see README).`;

async function serve(): Promise<void> {
  const config = loadConfig();
  if (config.webConcurrency > 1 && !isClusterServer()) {
    // Migrations and the master key are made once, here, before the servers start side by side.
    const hasVendor = await withContext(async (ctx) => hasAnyVendor(ctx));
    servePrimary(config, (url) =>
      announce(config, url, hasVendor, `${config.webConcurrency} server processes`),
    );
    return;
  }
  const server = await startServer(config);
  if (!isClusterServer()) announce(config, server.url, await hasAnyVendor(server.ctx), 'one process');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function hasAnyVendor(ctx: AppContext): Promise<boolean> {
  return (await ctx.handle.db.selectFrom('vendors').select('id').limit(1).execute()).length > 0;
}

function announce(config: Config, url: string, hasVendor: boolean, processes: string): void {
  const cabinet = config.publicUrl.startsWith(`http://${config.host}:${config.port}`)
    ? url
    : config.publicUrl;
  console.log(`Licensor is listening on ${url} (${processes})`);
  console.log(`  cabinet: ${cabinet}/   API docs: ${cabinet}/docs`);
  if (!hasVendor)
    console.log(
      '  no vendor yet: create one with licensor init --vendor NAME --prefix ABCD --email you@example.com',
    );
}

async function init(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      vendor: { type: 'string' },
      prefix: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
    },
  });
  if (!values.vendor || !values.prefix || !values.email)
    throw new UsageError('init needs --vendor, --prefix and --email');
  const { vendor, prefix, email, password } = values;
  const created = await withContext((ctx) =>
    createVendor(ctx, { name: vendor, prefix, ownerEmail: email, ownerPassword: password }),
  );
  console.log(JSON.stringify(created, null, 2));
}

/** Background jobs only; run as many as you like beside `serve` (with RUN_JOBS=0 there, or not). */
async function worker(): Promise<void> {
  const ctx = await createContext(loadConfig());
  const background = createBackgroundWork(ctx);
  background.start();
  console.log(`licensor worker ${background.runner.id} is running jobs and webhook deliveries`);
  const stop = () => {
    background
      .stop()
      .then(() => ctx.handle.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function migrate(): Promise<void> {
  await withContext(async () => undefined);
  console.log('database is up to date');
}

async function withContext<T>(work: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createContext(loadConfig());
  try {
    return await work(ctx);
  } finally {
    await ctx.handle.close();
  }
}

/** The vendor with this key prefix; the command stops with a clear message when there is none. */
async function vendorByPrefix(ctx: AppContext, prefix: string): Promise<{ id: string }> {
  const vendor = await ctx.handle.db
    .selectFrom('vendors')
    .select('id')
    .where('prefix', '=', prefix)
    .executeTakeFirst();
  if (!vendor) throw new Error(`no vendor with prefix ${prefix}`);
  return vendor;
}

async function keys(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { vendor: { type: 'string' } } });
  if (!values.vendor || (action !== 'list' && action !== 'rotate')) {
    throw new UsageError('usage: licensor keys list|rotate --vendor ABCD');
  }
  const prefix = values.vendor.toUpperCase();
  await withContext(async (ctx) => {
    const vendor = await vendorByPrefix(ctx, prefix);
    const operator = { vendorId: vendor.id, role: 'owner' as const };
    const result =
      action === 'rotate'
        ? await rotateSigningKey(ctx, operator, cliActor)
        : await listVendorSigningKeys(ctx, operator);
    console.log(JSON.stringify(result, null, 2));
  });
}

/** What a product's admin sends the vendor: the same file the SDK's createLicenseRequest makes. */
function request(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      product: { type: 'string' },
      installation: { type: 'string' },
      start: { type: 'string' },
      period: { type: 'string' },
      tenant: { type: 'string' },
      fingerprint: { type: 'string' },
      out: { type: 'string', default: '.' },
    },
  });
  const periods = ['month', '3months', 'year', 'perpetual'];
  if (!values.product || !values.installation || !values.start || !periods.includes(values.period ?? '')) {
    throw new UsageError(
      'request needs --product, --installation, --start and --period month|3months|year|perpetual',
    );
  }
  if (Number.isNaN(Date.parse(values.start))) throw new UsageError(`--start is not a date: ${values.start}`);
  const { fileName, content } = createLicenseRequest({
    product: values.product,
    installationId: values.installation,
    fingerprint: values.fingerprint,
    startsAt: values.start,
    period: values.period as Period,
    tenant: values.tenant,
  });
  const file = path.join(values.out, fileName);
  fs.writeFileSync(file, content);
  console.log(file);
}

function parseTerm(text: string): Term | null {
  if (text === 'perpetual') return null;
  const match = /^(\d+)([dmy])$/.exec(text);
  if (!match) throw new UsageError(`--term must look like 30d, 6m, 1y or perpetual, not "${text}"`);
  const unit = ({ d: 'day', m: 'month', y: 'year' } as const)[match[2] as 'd' | 'm' | 'y'];
  return { unit, count: Number(match[1]) };
}

let lastReported = -1;

/** A progress bar on a terminal (`[#####.....]  42%  4200/10000`); every 10% a line in a log. */
function progressBar(done: number, total: number): void {
  const width = 30;
  const percent = Math.floor((done / total) * 100);
  if (process.stderr.isTTY) {
    const filled = Math.round((done / total) * width);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${done}/${total}`,
    );
    if (done === total) process.stderr.write('\n');
  } else if (Math.floor(percent / 10) > lastReported || done === total) {
    lastReported = Math.floor(percent / 10);
    process.stderr.write(`generated ${done}/${total} (${percent}%)\n`);
  }
}

async function coupons(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      vendor: { type: 'string' },
      type: { type: 'string' },
      product: { type: 'string' },
      'license-type': { type: 'string' },
      term: { type: 'string' },
      days: { type: 'string' },
      count: { type: 'string', default: '1' },
      partner: { type: 'string' },
      reusable: { type: 'boolean', default: false },
      key: { type: 'string' },
      'activate-now': { type: 'boolean', default: false },
      comment: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const type = values.type as CouponType;
  if (action !== 'generate' || !values.vendor || !COUPON_TYPES.includes(type)) {
    throw new UsageError(
      'usage: licensor coupons generate --vendor ABCD --type add_product|extend_trial|change_composition ...',
    );
  }
  if (!values.product && !values['license-type'])
    throw new UsageError('name the product (--product CODE) or --license-type ID');
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new UsageError('--count must be a positive whole number');
  const prefix = values.vendor.toUpperCase();
  await withContext(async (ctx) => {
    const db = ctx.handle.db;
    const vendor = await vendorByPrefix(ctx, prefix);
    const product = values.product
      ? await db
          .selectFrom('products')
          .select('id')
          .where('vendor_id', '=', vendor.id)
          .where('code', '=', values.product)
          .executeTakeFirst()
      : undefined;
    if (values.product && !product) throw new Error(`no product with code ${values.product}`);
    const key = values.key
      ? await db
          .selectFrom('license_keys')
          .select('id')
          .where('vendor_id', '=', vendor.id)
          .where('key', '=', values.key.toUpperCase())
          .executeTakeFirst()
      : undefined;
    if (values.key && !key) throw new Error(`no license key ${values.key}`);
    const operator = { vendorId: vendor.id, role: 'owner' as const };
    const batch = await generateCouponBatch(
      ctx,
      operator,
      cliActor,
      {
        type,
        items: [
          {
            ...(values['license-type']
              ? { licenseTypeId: values['license-type'] }
              : { productId: product?.id }),
            ...(values.term ? { term: parseTerm(values.term) } : {}),
            ...(values.days ? { days: Number(values.days) } : {}),
          },
        ],
        count,
        partnerId: values.partner,
        reusable: values.reusable,
        keyId: key?.id,
        activateNow: values['activate-now'],
        comment: values.comment,
      },
      progressBar,
    );
    const file = values.out ?? `coupons-${batch.id}.csv`;
    const out = fs.createWriteStream(file);
    for await (const chunk of exportBatchCsv(ctx, operator, batch.id)) out.write(chunk);
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    console.log(JSON.stringify({ batchId: batch.id, count, file }, null, 2));
  });
}

async function seed(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { vendor: { type: 'string' }, licenses: { type: 'string', default: '1000000' } },
  });
  const licenses = Number(values.licenses);
  if (!values.vendor || !Number.isInteger(licenses) || licenses < 5)
    throw new UsageError('usage: licensor seed --vendor ABCD [--licenses N] (N at least 5)');
  const prefix = values.vendor.toUpperCase();
  await withContext(async (ctx) => {
    const vendor = await vendorByPrefix(ctx, prefix);
    let table = '';
    const summary = await seedDataset(ctx, {
      vendorId: vendor.id,
      size: datasetOf(licenses),
      now: new Date(),
      onProgress: (progress) => {
        if (progress.table !== table) {
          table = progress.table;
          lastReported = -1;
          process.stderr.write(`${table}\n`);
        }
        progressBar(progress.done, progress.total);
      },
    });
    console.log(JSON.stringify(summary, null, 2));
  });
}

async function importData(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      vendor: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      partial: { type: 'boolean', default: false },
    },
  });
  if (!values.vendor || positionals.length !== 1)
    throw new UsageError('usage: licensor import --vendor ABCD FILE.json|FILE.csv [--dry-run] [--partial]');
  const name = positionals[0];
  const text = fs.readFileSync(name, 'utf8');
  let file: unknown;
  let lines: { customers: number[] } | undefined;
  if (name.toLowerCase().endsWith('.csv')) {
    const csv = customersFromCsv(text);
    file = csv.file;
    lines = { customers: csv.lines };
  } else {
    try {
      file = JSON.parse(text);
    } catch (error) {
      throw new Error(`${name} is not JSON: ${(error as Error).message}`);
    }
  }
  const prefix = values.vendor.toUpperCase();
  const result = await withContext(async (ctx) => {
    const vendor = await vendorByPrefix(ctx, prefix);
    process.stderr.write(`checking ${name}\n`);
    return importVendorData(ctx, cliActor, {
      vendorId: vendor.id,
      file,
      lines,
      dryRun: values['dry-run'],
      partial: values.partial,
      onProgress: (progress) => process.stderr.write(`${progress.kind} ${progress.done}/${progress.total}\n`),
    });
  });
  console.log(JSON.stringify(result, null, 2));
  if (result.problems.length > 0 && !result.partial) {
    console.error(`licensor: ${result.problems.length} bad row(s); nothing was written`);
    process.exitCode = 1;
  }
}

async function exportData(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { vendor: { type: 'string' }, out: { type: 'string' } } });
  if (!values.vendor) throw new UsageError('usage: licensor export --vendor ABCD [--out FILE.json]');
  const prefix = values.vendor.toUpperCase();
  const data = await withContext(async (ctx) =>
    exportVendorData(ctx, (await vendorByPrefix(ctx, prefix)).id),
  );
  const json = `${JSON.stringify(data, null, 2)}\n`;
  if (!values.out) {
    process.stdout.write(json);
    return;
  }
  fs.writeFileSync(values.out, json);
  const counts = Object.fromEntries(Object.entries(data).map(([kind, rows]) => [kind, rows.length]));
  console.log(JSON.stringify({ file: values.out, ...counts }, null, 2));
}

async function backup(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, force: { type: 'boolean' } } });
  if (!values.out) throw new UsageError('usage: licensor backup --out FILE|DIR [--force]');
  const result = await backupDatabase(loadConfig(), values.out, { overwrite: values.force });
  console.log(JSON.stringify(result, null, 2));
  console.error(`licensor: ${result.warning}`);
  if (result.masterKey.opensBackup === false)
    console.error(
      "licensor: the master key this command sees does not open the backup's signing keys: find the key the server runs with (LICENSOR_MASTER_KEY in its environment?) and keep that one",
    );
}

async function restore(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('usage: licensor restore FILE');
  const result = await restoreDatabase(loadConfig(), positionals[0]);
  console.log(JSON.stringify(result, null, 2));
}

class UsageError extends Error {}

/** The lines of USAGE about one command (its entries and their continuation lines), or all of it. */
function helpFor(command: string): string {
  const lines = USAGE.split('\n');
  const picked: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^ {2}\S/.test(line)) inside = line.trimStart().startsWith(`${command} `) || line.trim() === command;
    else if (!/^ {3,}/.test(line)) inside = false;
    if (inside) picked.push(line);
  }
  return picked.length ? `licensor ${command}:\n${picked.join('\n')}` : USAGE;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(helpFor(command));
    return;
  }
  switch (command) {
    case 'serve':
      return serve();
    case 'init':
      return init(rest);
    case 'migrate':
      return migrate();
    case 'worker':
      return worker();
    case 'keys':
      return keys(rest);
    case 'coupons':
      return coupons(rest);
    case 'request':
      return request(rest);
    case 'seed':
      return seed(rest);
    case 'import':
      return importData(rest);
    case 'export':
      return exportData(rest);
    case 'backup':
      return backup(rest);
    case 'restore':
      return restore(rest);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`licensor: ${message}`);
  process.exit(1);
});
