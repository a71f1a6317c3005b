import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import {
  closeBrowser,
  LANGUAGES,
  launchBrowser,
  logInToCabinet,
  screenshot,
  startWebServer,
} from './support.js';

const csvFile = (rows: string[]) => ({
  name: 'customers.csv',
  mimeType: 'text/csv',
  buffer: Buffer.from(['externalId,name,email,contactName', ...rows].join('\n')),
});

describe.each(LANGUAGES)(
  'the vendor cabinet imports customers from a CSV file, in $language',
  ({ language, locale, words }) => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    beforeAll(async () => {
      server = await startWebServer();
      browser = await launchBrowser();
      page = await browser.newPage({ locale });
    });
    afterAll(async () => {
      await closeBrowser(browser, async () => {
        await server?.close();
      });
    });

    it('previews the file, reports its bad row, and after the fix imports it into the customers list', async () => {
      await logInToCabinet(page, server.url, server.vendor.owner.email, 'correct-horse-1');
      await page.getByTestId('nav-import').click();
      await page.getByTestId('import-file').waitFor();
      expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe(words.imports.title);

      // A file with a nameless customer on line 3: the preview shows its rows as they are.
      const good = ['imp-1,"Northwind, Ltd",it@northwind.test,Anna', 'imp-3,Contoso,ops@contoso.test,'];
      await page
        .getByTestId('import-file')
        .setInputFiles(csvFile([good[0], 'imp-2,,nobody@bad.test,', good[1]]));
      await expect.poll(() => page.getByTestId('preview-row').count()).toBe(3);
      expect(await page.getByTestId('preview-customers').textContent()).toContain('Northwind, Ltd');
      // Nothing can be imported before the check.
      expect(await page.getByTestId('import-submit').isDisabled()).toBe(true);

      await page.getByTestId('import-check').click();
      await page.getByTestId('import-problems').waitFor();
      expect(await page.getByTestId('problem-row').count()).toBe(1);
      const problem = await page.getByTestId('problem-row').textContent();
      expect(problem).toContain('3');
      expect(problem).toContain('name');
      expect(problem).toContain(words.importReasons.REQUIRED);
      expect(await page.getByTestId('count-customers').getByTestId('created').textContent()).toBe('2');
      expect(await page.getByTestId('count-customers').getByTestId('rejected').textContent()).toBe('1');
      // Only the valid rows could go in now; the check wrote nothing.
      expect(await page.getByTestId('import-valid').textContent()).toBe(words.imports.importValid);
      expect((await server.api.get('/v1/customers?q=northwind')).body.data).toHaveLength(0);
      await screenshot(page, `import-problems-${language}`);

      // The fixed file checks clean, then imports.
      await page
        .getByTestId('import-file')
        .setInputFiles(csvFile([good[0], 'imp-2,Fabrikam,fab@fabrikam.test,', good[1]]));
      await expect.poll(() => page.getByTestId('import-report').count()).toBe(0);
      await expect.poll(() => page.getByTestId('preview-customers').textContent()).toContain('Fabrikam');
      await page.getByTestId('import-check').click();
      await page.getByTestId('import-clean').waitFor();
      expect(await page.getByTestId('import-clean').textContent()).toBe(
        words.imports.clean.replace('{{count}}', '3'),
      );
      expect(await page.getByTestId('import-submit').isEnabled()).toBe(true);
      await page.getByTestId('import-submit').click();
      await page.getByTestId('import-to-customers').waitFor();
      expect(await page.getByTestId('import-clean').textContent()).toBe(
        words.imports.imported.replace('{{count}}', '3'),
      );
      // Imported: nothing more to import from this file.
      expect(await page.getByTestId('import-submit').isDisabled()).toBe(true);
      await screenshot(page, `import-done-${language}`);

      await page.getByTestId('import-to-customers').click();
      const table = page.getByTestId('customers-table');
      await expect.poll(() => table.textContent()).toContain('Northwind, Ltd');
      const text = await table.textContent();
      expect(text).toContain('Fabrikam');
      expect(text).toContain('Contoso');

      // Checking the same file again finds every row imported already.
      await page.getByTestId('nav-import').click();
      await page
        .getByTestId('import-file')
        .setInputFiles(csvFile([good[0], 'imp-2,Fabrikam,fab@fabrikam.test,', good[1]]));
      await page.getByTestId('import-check').click();
      await expect.poll(() => page.getByTestId('import-clean').textContent()).toBe(words.imports.nothingNew);
      expect(await page.getByTestId('import-submit').isDisabled()).toBe(true);
    });
  },
);
