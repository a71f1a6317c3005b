/** Cursor paging over time-ordered ids: newest first, the cursor is the last id of the page. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  return { data, nextCursor: hasMore ? data[data.length - 1].id : null };
}

export const DEFAULT_PAGE_SIZE = 50;
