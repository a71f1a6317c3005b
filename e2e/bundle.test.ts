import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The built cabinet (issue 13): every portal is its own chunk, so a customer's first load carries no vendor
 * cabinet code, and no chunk grows past 300 kB. Read from Vite's manifest and the list of every chunk's
 * source modules that vite.config.ts writes beside it (run `npm run build` first).
 */
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '../packages/web/dist');
const MAX_CHUNK_BYTES = 300 * 1024;

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
}

function read<T>(file: string): T {
  const full = path.join(dist, file);
  if (!fs.existsSync(full)) throw new Error(`${full} is missing: run npm run build`);
  return JSON.parse(fs.readFileSync(full, 'utf8')) as T;
}

const manifest = read<Record<string, ManifestChunk>>('.vite/manifest.json');
const modules = read<Record<string, string[]>>('.vite/chunk-modules.json');

/** The chunk files a browser loads to show a portal: the entry's and the portal's static imports, transitively. */
function firstLoad(portal: string): Set<string> {
  const files = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk) throw new Error(`${key} is not in the manifest`);
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const next of chunk.imports ?? []) visit(next);
  };
  visit('index.html');
  visit(portal);
  return files;
}

const sourcesOf = (files: Set<string>) => [...files].flatMap((file) => modules[file] ?? []);

describe('the built cabinet', () => {
  it('splits the portals: a customer or a partner loads no vendor cabinet code', () => {
    for (const portal of ['src/customer-cabinet/CustomerApp.tsx', 'src/partner-portal/PartnerApp.tsx']) {
      const sources = sourcesOf(firstLoad(portal));
      expect(sources.some((source) => source.startsWith(`src/${portal.split('/')[1]}/`))).toBe(true);
      expect(sources.filter((source) => source.startsWith('src/vendor-cabinet/'))).toEqual([]);
    }
    const vendor = sourcesOf(firstLoad('src/vendor-cabinet/VendorApp.tsx'));
    expect(vendor.filter((source) => source.startsWith('src/customer-cabinet/'))).toEqual([]);
    // The coupon generator loads when its page is opened, not with the cabinet.
    expect(vendor).not.toContain('src/vendor-cabinet/CouponsPage.tsx');
  });

  it('keeps every chunk under 300 kB minified', () => {
    const oversized = Object.values(manifest)
      .map((chunk) => ({ file: chunk.file, bytes: fs.statSync(path.join(dist, chunk.file)).size }))
      .filter((chunk) => chunk.file.endsWith('.js') && chunk.bytes > MAX_CHUNK_BYTES);
    expect(oversized).toEqual([]);
  });
});
