/**
 * Text compared by UTF-16 code units: the order in which the databases sort our ids and resource names (a locale's
 * order would differ), so rows ordered in memory line up with rows ordered by a query.
 */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
