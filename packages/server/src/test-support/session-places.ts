import type { AppContext } from '../platform/context.js';

/** A license's counter of open sessions beside the open sessions themselves: every test expects them equal. */
export async function placesOf(
  ctx: AppContext,
  licenseId: string,
): Promise<{ counter: number; open: number }> {
  const db = ctx.handle.db;
  const row = await db
    .selectFrom('licenses')
    .select('live_sessions')
    .where('id', '=', licenseId)
    .executeTakeFirstOrThrow();
  const open = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('license_id', '=', licenseId)
    .where('ended_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { counter: Number(row.live_sessions), open: Number(open.n) };
}
