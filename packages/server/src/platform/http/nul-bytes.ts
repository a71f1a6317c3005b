/**
 * Where a request holds a NUL character (U+0000), as a path like `body/resource/id`, or undefined.
 * PostgreSQL cannot store one in text and SQLite would store it silently, so both refuse it alike
 * (invariant 7) before any route sees it.
 */
export function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = nulPath(key, `${path}/${key}`) ?? nulPath(item, `${path}/${key}`);
      if (found) return found;
    }
  }
  return undefined;
}
