import { AppError } from '../errors.js';

/** No request of ours nests deeper; a deeper one is refused before anything walks it (and runs out of stack). */
const MAX_NESTING = 64;

/**
 * Where a request holds a NUL character (U+0000), as a path like `body/resource/id`, or undefined.
 * PostgreSQL cannot store one in text and SQLite would store it silently, so both refuse it alike
 * (invariant 7) before any route sees it. A value nested deeper than 64 levels is refused as well.
 */
export function nulPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_NESTING)
    throw new AppError('VALIDATION_FAILED', `the request nests deeper than ${MAX_NESTING} levels`, [
      { path, message: 'is nested too deep' },
    ]);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}/${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = nulPath(key, `${path}/${key}`) ?? nulPath(item, `${path}/${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
