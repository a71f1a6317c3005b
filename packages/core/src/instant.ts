/** The first instant Licensor accepts (1970-01-01T00:00:00Z): nothing was licensed before it. */
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
/** The last instant Licensor accepts (9999-12-31T23:59:59.999Z): later years have no four-digit ISO form. */
export const LATEST_INSTANT = Date.UTC(10_000, 0, 1) - 1;

/** Whether `text` is a date or date-time that parses to an instant within years 1970–9999. */
export function isAcceptedInstant(text: string): boolean {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms >= EARLIEST_INSTANT && ms <= LATEST_INSTANT;
}
