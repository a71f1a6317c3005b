#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createContext, createVendor, loadConfig, startServer } from '@licensor/server';

const USAGE = `licensor <command> [options]

Commands:
  serve                         start the server (runs pending migrations first)
  init --vendor NAME --prefix ABCD --email E [--password P]
                                create a vendor, its owner, a signing key and an API token; prints JSON
  migrate                       apply pending database migrations

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL, ... (see README).`;

async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const cabinet = config.publicUrl.startsWith(`http://${config.host}:${config.port}`)
    ? server.url
    : config.publicUrl;
  console.log(`Licensor is listening on ${server.url}`);
  console.log(`  cabinet: ${cabinet}/   API docs: ${cabinet}/docs`);
  console.log(
    '  no vendor yet? create one: licensor init --vendor NAME --prefix ABCD --email you@example.com',
  );
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
  const ctx = await createContext(loadConfig());
  try {
    const created = await createVendor(ctx, {
      name: values.vendor,
      prefix: values.prefix,
      ownerEmail: values.email,
      ownerPassword: values.password,
    });
    console.log(JSON.stringify(created, null, 2));
  } finally {
    await ctx.handle.close();
  }
}

async function migrate(): Promise<void> {
  const ctx = await createContext(loadConfig());
  await ctx.handle.close();
  console.log('database is up to date');
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'init':
      return init(rest);
    case 'migrate':
      return migrate();
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
