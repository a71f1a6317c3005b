import { Button } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

/**
 * How often views of things others change (approval queues, live sessions, requests, the customer's licenses)
 * read them again while open, besides on window focus and after the viewer's own actions.
 */
export const LIVE_REFRESH_MS = 10_000;

/** One page of a server list, as every listing route answers it. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * A server list read page by page with its cursor: the items so far, and whether more can be loaded.
 * `readPage` asks for the page after `cursor` (`undefined`: the first), e.g.
 * `(cursor) => ok(api.GET('/v1/customers', { params: { query: { cursor } } }))`.
 */
export function usePagedList<T>(
  queryKey: readonly unknown[],
  readPage: (cursor: string | undefined) => Promise<Page<T>>,
  options: { live?: boolean } = {},
) {
  const query = useInfiniteQuery({
    queryKey,
    refetchInterval: options.live ? LIVE_REFRESH_MS : false,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => readPage(pageParam ?? undefined),
    getNextPageParam: (last) => last.nextCursor,
  });
  return { ...query, items: query.data?.pages.flatMap((page) => page.data) ?? [] };
}

/** Every page of a server list, for a picker that offers all of a short list (one partner's orders). */
export async function readAllPages<T>(
  readPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<Page<T>> {
  const data: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await readPage(cursor);
    data.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { data, nextCursor: null };
}

/** "Load more" under a paged list, while the server has more. */
export function LoadMore({ list }: { list: ReturnType<typeof usePagedList> }) {
  const { t } = useTranslation();
  if (!list.hasNextPage) return null;
  return (
    <Button
      variant="default"
      loading={list.isFetchingNextPage}
      onClick={() => list.fetchNextPage()}
      data-testid="load-more"
    >
      {t('common.loadMore')}
    </Button>
  );
}
