import { parseCsv } from '@licensor/core';

/**
 * What the import page shows of a file before the server checks it: the first rows, read in the browser.
 * The server reads the file again in full (its own CSV reader and checks); this is for the eye only.
 */
export type ImportFormat = 'json' | 'csv';

export const KINDS = ['customers', 'keys', 'licenses', 'bindings'] as const;
export type Kind = (typeof KINDS)[number];

/** A table of the first rows of one list: its columns, and each row's cells (with its line in a CSV file). */
export interface PreviewTable {
  kind: Kind;
  columns: string[];
  rows: { at: number; cells: string[] }[];
  /** How many rows the list has in all. */
  count: number;
}

export const PREVIEW_ROWS = 10;

export const formatOf = (name: string): ImportFormat =>
  name.toLowerCase().endsWith('.csv') ? 'csv' : 'json';

const cell = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** The first rows of each list of the file; throws (with a reason to show) when the browser cannot read it. */
export function previewOf(format: ImportFormat, text: string): PreviewTable[] {
  if (format === 'csv') {
    const [header, ...rows] = parseCsv(text);
    if (!header) throw new Error('the CSV file is empty');
    return [
      {
        kind: 'customers',
        columns: header.fields.map((name) => name.trim()),
        rows: rows.slice(0, PREVIEW_ROWS).map((row) => ({ at: row.line, cells: row.fields })),
        count: rows.length,
      },
    ];
  }
  const file = JSON.parse(text) as unknown;
  if (typeof file !== 'object' || file === null || Array.isArray(file))
    throw new Error('the JSON is not an object { customers, keys, licenses, bindings }');
  return KINDS.flatMap((kind) => {
    const list = (file as Record<string, unknown>)[kind];
    if (!Array.isArray(list) || list.length === 0) return [];
    const first = list.slice(0, PREVIEW_ROWS);
    const columns = [
      ...new Set(
        first.flatMap((row) => (typeof row === 'object' && row !== null ? Object.keys(row as object) : [])),
      ),
    ];
    return [
      {
        kind,
        columns,
        rows: first.map((row, index) => ({
          at: index + 1,
          cells: columns.map((column) =>
            typeof row === 'object' && row !== null
              ? cell((row as Record<string, unknown>)[column])
              : cell(row),
          ),
        })),
        count: list.length,
      },
    ];
  });
}
