import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../packages/server/src/platform/clock.js';
import { setupLicensed } from '../packages/server/src/test-support/fixtures.js';
import { startTestServer, type TestServer } from '../packages/server/src/test-support/test-server.js';
import { closeBrowser, launchBrowser } from './support.js';

/** The SDK's client as the page has it (`window.LicensorClient`). */
type Client = typeof import('../packages/sdk/src/index.js').LicensorClient;

const packages = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages');

/**
 * A vendor's web app on its own origin: one page and the SDK's built modules (`npm run build`), the core
 * found through an import map, as a bundler would resolve it.
 */
function startVendorApp(): Promise<{ url: string; close: () => Promise<void> }> {
  const page = `<!doctype html><html><head><title>Vendor app</title>
<script type="importmap">{"imports":{"@licensor/core":"/core/index.js"}}</script>
<script type="module">import { LicensorClient } from '/sdk/index.js'; window.LicensorClient = LicensorClient;</script>
</head><body></body></html>`;
  const server = http.createServer((request, response) => {
    const [, root, ...rest] = (request.url ?? '/').split('/');
    const dist = root === 'sdk' || root === 'core' ? path.join(packages, root, 'dist') : undefined;
    const file = dist && path.join(dist, ...rest);
    if (file?.startsWith(dist) && fs.existsSync(file)) {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(file));
    } else response.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        // Another host name than the server's 127.0.0.1: another origin.
        url: `http://localhost:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}

describe("a vendor's web app on another origin checks a license with the SDK in the browser", () => {
  let server: TestServer;
  let app: Awaited<ReturnType<typeof startVendorApp>>;
  let browser: Browser;
  let page: Page;
  let publicKeys: Record<string, string>;
  let licensed: Awaited<ReturnType<typeof setupLicensed>>;

  beforeAll(async () => {
    // The SDK judges an answer's freshness by the browser's clock.
    server = await startTestServer('sqlite', { clock: new ManualClock(new Date()) });
    licensed = await setupLicensed(server.api, { scope: 'seat', resourceKind: 'machine', maxSeats: 2 });
    await server.anon.post('/v1/activate', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    app = await startVendorApp();
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${app.url}/app.html`);
    await page.waitForFunction(() => 'LicensorClient' in window);
  });
  afterAll(async () => {
    await closeBrowser(browser, async () => {
      await app?.close();
      await server?.close();
    });
  });

  it('reads the public keys, and validates with a tree-signed answer the SDK verifies', async () => {
    const prefix = server.vendor.vendor.prefix;
    const keys = await page.evaluate(async (url) => {
      const response = await fetch(url);
      return (await response.json()) as { data: { kid: string; publicKey: string }[] };
    }, `${server.url}/v1/vendors/${prefix}/signing-keys`);
    publicKeys = Object.fromEntries(keys.data.map((k) => [k.kid, k.publicKey]));
    expect(Object.keys(publicKeys).length).toBeGreaterThan(0);

    const answer = await page.evaluate(
      async ({ baseUrl, publicKeys, key, product }) => {
        const { LicensorClient } = window as unknown as { LicensorClient: Client };
        const client = new LicensorClient({ baseUrl, publicKeys });
        const ok = await client.validate({ key, product, fingerprint: 'pc-1' });
        const other = await client.validate({ key, product, fingerprint: 'pc-2' });
        return { ok: [ok.valid, ok.code], other: [other.valid, other.code] };
      },
      { baseUrl: server.url, publicKeys, key: licensed.key, product: licensed.productCode },
    );
    expect(answer).toEqual({ ok: [true, 'VALID'], other: [false, 'NOT_ACTIVATED'] });
  });

  it('refuses, in the browser, an answer signed by a key it was not given', async () => {
    const refusal = await page.evaluate(
      async ({ baseUrl, publicKeys, key, product }) => {
        const { LicensorClient } = window as unknown as { LicensorClient: Client };
        const forged = Object.fromEntries(Object.keys(publicKeys).map((kid) => [kid, btoa('x'.repeat(32))]));
        try {
          await new LicensorClient({ baseUrl, publicKeys: forged }).validate({ key, product });
          return 'accepted';
        } catch (error) {
          return (error as { code?: string }).code ?? String(error);
        }
      },
      { baseUrl: server.url, publicKeys, key: licensed.key, product: licensed.productCode },
    );
    expect(refusal).toBe('BAD_SIGNATURE');
  });

  it('activates a seat and is told, readably, when no seat is free', async () => {
    const codes = await page.evaluate(
      async ({ baseUrl, publicKeys, key, product }) => {
        const { LicensorClient } = window as unknown as { LicensorClient: Client };
        const client = new LicensorClient({ baseUrl, publicKeys });
        const second = await client.activate({ key, product, resource: { kind: 'machine', id: 'pc-2' } });
        try {
          await client.activate({ key, product, resource: { kind: 'machine', id: 'pc-3' } });
          return [second.resource.id, 'accepted'];
        } catch (error) {
          return [second.resource.id, (error as { code?: string }).code ?? String(error)];
        }
      },
      { baseUrl: server.url, publicKeys, key: licensed.key, product: licensed.productCode },
    );
    expect(codes).toEqual(['pc-2', 'SEATS_EXHAUSTED']);
  });
});
