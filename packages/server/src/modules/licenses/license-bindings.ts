import type { Principal } from '../../platform/auth/principal.js';
import type { AppContext } from '../../platform/context.js';
import { DEFAULT_PAGE_SIZE, type Page } from '../../platform/db/paging.js';
import { AppError, notFound } from '../../platform/errors.js';
import { findLicenseRow } from './licenses.queries.js';

export interface LicenseBinding {
  id: string;
  licenseId: string;
  resource: { kind: string; id: string; name: string | null };
  createdAt: string;
}

/** A page's position: the last resource listed (kind, id), as base64url JSON. */
const cursorOf = (kind: string, id: string) => Buffer.from(JSON.stringify([kind, id])).toString('base64url');

function positionOf(cursor: string): [string, string] {
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(position) &&
      position.length === 2 &&
      position.every((part) => typeof part === 'string')
    )
      return position as [string, string];
  } catch {}
  throw new AppError('VALIDATION_FAILED', 'the cursor is not one this list gave', [
    { path: 'querystring.cursor', message: 'is not a nextCursor of this list' },
  ]);
}

/**
 * Every resource bound to a license, a page at a time, by resource (kind, then id) along the license's unique
 * index: the key card lists the first 100, an unlimited license may bind 100,000 agents, and an admin moving one
 * of them (`transfer`) needs its binding's id.
 */
export async function listLicenseBindings(
  ctx: AppContext,
  principal: Principal,
  licenseId: string,
  query: { limit?: number; cursor?: string },
): Promise<Page<LicenseBinding>> {
  const db = ctx.handle.db;
  if (!(await findLicenseRow(db, principal.vendorId, licenseId)))
    throw notFound('LICENSE_NOT_FOUND', 'license');
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const after = query.cursor === undefined ? undefined : positionOf(query.cursor);
  const rows = await db
    .selectFrom('bindings')
    .selectAll()
    .where('license_id', '=', licenseId)
    .$if(after !== undefined, (qb) =>
      qb.where((eb) => eb(eb.refTuple('resource_kind', 'resource_id'), '>', eb.tuple(after![0], after![1]))),
    )
    .orderBy('resource_kind')
    .orderBy('resource_id')
    .limit(limit + 1)
    .execute();
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return {
    data: data.map((row) => ({
      id: row.id,
      licenseId: row.license_id,
      resource: { kind: row.resource_kind, id: row.resource_id, name: row.resource_name },
      createdAt: row.created_at,
    })),
    nextCursor: rows.length > limit && last ? cursorOf(last.resource_kind, last.resource_id) : null,
  };
}
