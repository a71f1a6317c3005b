import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAiServer } from '../examples/ai-server/app.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
} from '../packages/server/src/test-support/fixtures.js';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import {
  choose,
  closeBrowser,
  LANGUAGES,
  launchBrowser,
  logInToCabinet,
  screenshot,
  startWebServer,
} from './support.js';

const DAY = 86_400_000;

describe.each(LANGUAGES)(
  'offline licensing across the product and the vendor cabinet (seeds 000 and 001), cabinet in $language',
  ({ language, locale }) => {
    let server: TestServer;
    let browser: Browser;
    let product: Page;
    let vendor: Page;
    let ai: Awaited<ReturnType<typeof startAiServer>>;
    /** The product's clock: the real time plus whatever the test moves it by. */
    const clock = { offsetMs: 0 };
    const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-downloads-'));

    beforeAll(async () => {
      server = await startWebServer();
      const keys = (await server.anon.get('/v1/vendors/ACME/signing-keys')).body.data;
      ai = await startAiServer({
        dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ai-server-')),
        vendor: 'ACME',
        publicKeys: Object.fromEntries(
          keys.map((k: { kid: string; publicKey: string }) => [k.kid, k.publicKey]),
        ),
        installationId: 'ai-server-7',
        clock: () => new Date(Date.now() + clock.offsetMs),
      });
      browser = await launchBrowser();
      product = await (await browser.newContext({ acceptDownloads: true })).newPage();
      vendor = await (await browser.newContext({ acceptDownloads: true, locale })).newPage();
    });
    afterAll(async () => {
      await closeBrowser(browser, async () => {
        await ai?.close();
        await server?.close();
        fs.rmSync(downloads, { recursive: true, force: true });
      });
    });

    async function saveDownload(page: Page, click: () => Promise<void>): Promise<string> {
      const [download] = await Promise.all([page.waitForEvent('download'), click()]);
      const file = path.join(downloads, download.suggestedFilename());
      await download.saveAs(file);
      return file;
    }

    it('request → signed file → import → tenant → agent binding → expiry blocks the page and silences the agent', async () => {
      const aistudio = await createProduct(server.api, 'aistudio');
      await createLicenseType(server.api, aistudio.id, {
        scope: 'installation',
        capabilities: ['manage', 'build'],
        term: { unit: 'year', count: 1 },
      });
      await createLicenseType(server.api, aistudio.id, {
        scope: 'seat',
        resourceKind: 'agent',
        capabilities: ['converse'],
        term: { unit: 'year', count: 1 },
      });
      const unlimited = await createLicenseType(server.api, aistudio.id, {
        scope: 'unlimited',
        resourceKind: 'agent',
        capabilities: ['converse'],
        term: { unit: 'year', count: 1 },
      });
      const holder = await createCustomerWithKey(server.api, 'Primo customer');

      await product.goto(ai.url);
      await product.getByTestId('blocked').waitFor();
      // An agent made before any license: the platform-unlimited license uploaded later covers it too.
      await product.getByTestId('agent-id').fill('early-bot');
      await product.getByTestId('agent-create').click();
      await expect
        .poll(() => product.getByTestId('agent-early-bot').getByTestId('agent-state').textContent())
        .toBe('not licensed');
      await product.getByTestId('req-period').selectOption('year');
      const requestFile = await saveDownload(product, () => product.getByTestId('req-download').click());
      expect(path.basename(requestFile)).toBe('licensereq-aistudio.txt');

      await logInToCabinet(vendor, server.url, server.vendor.owner.email, 'correct-horse-1');
      await vendor.getByTestId('nav-offline').click();
      await vendor.getByTestId('request-file').setInputFiles(requestFile);
      await expect.poll(() => vendor.getByTestId('request-summary').textContent()).toContain('ai-server-7');
      await choose(vendor, 'offline-key', holder.key);
      await choose(vendor, 'offline-type', /installation type/);
      await screenshot(vendor, `offline-activation-${language}`);
      const licenseFile = await saveDownload(vendor, () => vendor.getByTestId('make-license-file').click());
      expect(licenseFile).toMatch(/\.license$/);

      // One more platform license for a second tenant and an agent license, as one .lcs bundle.
      const bundle = (
        await server.api.post('/v1/offline/bundles', {
          keyId: holder.keyId,
          installationId: 'ai-server-7',
          issue: [
            {
              licenseTypeId: (
                await server.api.get('/v1/license-types')
              ).body.data.find((t: { scope: string }) => t.scope === 'installation').id,
              count: 1,
            },
            {
              licenseTypeId: (
                await server.api.get('/v1/license-types')
              ).body.data.find((t: { scope: string }) => t.scope === 'seat').id,
              count: 1,
            },
            { licenseTypeId: unlimited.id, count: 1 },
          ],
        })
      ).body;
      const bundleFile = path.join(downloads, bundle.fileName);
      fs.writeFileSync(bundleFile, bundle.content);

      await product.getByTestId('upload-input').setInputFiles([licenseFile, bundleFile]);
      await expect
        .poll(() => product.getByTestId('import-report').textContent())
        .toBe('validvalidvalidvalid');
      await product.getByTestId('flows-ok').waitFor();
      await expect
        .poll(() => product.getByTestId('agent-early-bot').getByTestId('agent-state').textContent())
        .toBe('answering');

      await product.getByTestId('license-installation').nth(1).getByTestId('tenant-input').fill('sales');
      await product.getByTestId('license-installation').nth(1).getByTestId('issue-tenant').click();
      await expect.poll(() => product.getByTestId('licenses-table').textContent()).toContain('sales');

      await product.getByTestId('agent-id').fill('support-bot');
      await product.getByTestId('agent-create').click();
      await product.getByTestId('agent-support-bot').waitFor();
      await product.getByTestId('license-seat').getByTestId('bind').click();
      await expect
        .poll(() => product.getByTestId('agent-support-bot').getByTestId('agent-state').textContent())
        .toBe('answering');
      const talk = () =>
        fetch(`${ai.url}/api/agents/support-bot/messages`, {
          method: 'POST',
          body: JSON.stringify({ text: 'hi' }),
        });
      expect((await talk()).status).toBe(200);
      await screenshot(product, `ai-server-licenses-${language}`);

      clock.offsetMs = 800 * DAY;
      await product.reload();
      await product.getByTestId('blocked').waitFor();
      await expect
        .poll(() => product.getByTestId('agent-support-bot').getByTestId('agent-state').textContent())
        .toBe('not licensed');
      expect((await talk()).status).toBe(403);
      expect((await fetch(`${ai.url}/api/flows`, { method: 'POST' })).status).toBe(403);
      await screenshot(product, `ai-server-blocked-${language}`);

      // The licenses show their mode; an expired one is not offered to a tenant; an agent can be deleted.
      await expect
        .poll(() => product.getByTestId('licenses-table').getByTestId('mode').first().textContent())
        .toBe('subscription');
      expect(await product.getByTestId('issue-tenant').count()).toBe(0);
      await product.getByTestId('agent-support-bot').getByTestId('agent-delete').click();
      await expect.poll(() => product.getByTestId('agent-support-bot').count()).toBe(0);
    });
  },
);
