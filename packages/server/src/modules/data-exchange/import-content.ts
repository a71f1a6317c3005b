import { AppError } from '../../platform/errors.js';
import { customersFromCsv, EXCHANGE_KINDS, type ExchangeKind } from './exchange.schema.js';

/** What an uploaded import file reads as: the exchange file and, for CSV, each customer row's line. */
export interface ImportContent {
  readonly file: Record<string, unknown>;
  readonly lines?: Partial<Record<ExchangeKind, readonly number[]>>;
}

const unreadable = (reason: string) =>
  new AppError('INVALID_IMPORT_FILE', `the file cannot be imported: ${reason}`, [{ reason }]);

/**
 * Reads the text of an import file as `licensor import` does: a JSON document of four lists, or a customers
 * CSV (a header row, then one customer a line). A file that cannot be read at all is INVALID_IMPORT_FILE;
 * the rows themselves are checked by the import, which reports each bad one.
 */
export function readImportContent(format: 'json' | 'csv', content: string): ImportContent {
  if (format === 'csv') {
    try {
      const csv = customersFromCsv(content);
      return { file: csv.file as unknown as Record<string, unknown>, lines: { customers: csv.lines } };
    } catch (error) {
      throw unreadable((error as Error).message);
    }
  }
  let file: unknown;
  try {
    file = JSON.parse(content);
  } catch (error) {
    throw unreadable(`not JSON (${(error as Error).message})`);
  }
  if (typeof file !== 'object' || file === null || Array.isArray(file))
    throw unreadable('the JSON must be an object { customers, keys, licenses, bindings }');
  const record = file as Record<string, unknown>;
  for (const kind of EXCHANGE_KINDS)
    if (record[kind] !== undefined && !Array.isArray(record[kind]))
      throw unreadable(`"${kind}" must be a list`);
  return { file: record };
}
