import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.js';

/**
 * The one rule behind a floating license's places (invariant 1): its counter of open sessions is below its type's
 * `maxSessions` (no limit when that is null). Written against `licenses`, for the UPDATE that takes a place — the
 * transaction's (`claimPlace`) and the one-statement open's (`open-at-once.ts`).
 */
export const HAS_ROOM = `live_sessions < coalesce(
  (select max_sessions from license_types where license_types.id = licenses.license_type_id), 2147483647)`;
const hasRoom = sql.raw<boolean>(HAS_ROOM);

/** Takes one of the license's places if one is free by its counter (row-locked until the commit). */
export async function claimPlace(trx: Db, licenseId: string): Promise<boolean> {
  const claimed = await trx
    .updateTable('licenses')
    .set((eb) => ({ live_sessions: eb('live_sessions', '+', 1) }))
    .where('id', '=', licenseId)
    .where(hasRoom)
    .returning('id')
    .executeTakeFirst();
  return claimed !== undefined;
}
