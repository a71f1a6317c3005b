/**
 * Whether a URL's query string percent-encodes bytes that are not UTF-8 (`?q=%FF`). The query parser would
 * turn them into U+FFFD and carry on; like invalid UTF-8 in a body, they are refused instead.
 */
export function hasInvalidQueryEncoding(url: string): boolean {
  const start = url.indexOf('?');
  if (start < 0 || !url.includes('%', start)) return false;
  try {
    decodeURIComponent(url.slice(start + 1).replaceAll('+', ' '));
    return false;
  } catch {
    return true;
  }
}
