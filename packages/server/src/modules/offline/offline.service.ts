import {
  addTerm,
  decodeLicenseRequest,
  encodeBundle,
  type LicensePayload,
  type LicenseRequest,
  periodTerm,
  type Scope,
  sealLicenseFile,
  seatLimit,
  type Term,
  type TermUnit,
} from '@licensor/core';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import type { DatabaseHandle, Db } from '../../platform/db/database.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { findLiveKey } from '../keys/keys.queries.js';
import { type LicenseRow, selectLicenses, statusOf, toLicense } from '../licenses/licenses.queries.js';
import { issueLicenseWith } from '../licenses/licenses.service.js';
import { claimSeat } from '../licenses/seats.js';

/** Where a file is bound and how it is wrapped. */
export interface FileOptions {
  installationId?: string;
  tenant?: string;
  /** Encrypt the payload with the license key (AES-256-GCM keyed by its SHA-256). */
  encrypt?: boolean;
  /** After this moment the product refuses the file itself, whatever the license says. */
  fileExpiresAt?: string;
  /** The period a license issued from a request was issued for (set by the server, not by callers). */
  term?: Term | null;
}

/**
 * The term a file carries for a product to stack by the calendar: the requested period when the license was
 * issued from a request, else its type's term when the license still spans exactly that; otherwise none (the
 * product then keeps the license's own length).
 */
function termOfFile(row: LicenseRow, requested: Term | null | undefined): Term | null | undefined {
  if (requested !== undefined) return requested;
  if (row.expires_at === null) return null;
  if (!row.term_unit || !row.term_count) return undefined;
  const term = { unit: row.term_unit as TermUnit, count: row.term_count };
  return addTerm(new Date(row.starts_at), term).toISOString() === new Date(row.expires_at).toISOString()
    ? term
    : undefined;
}

export interface LicenseFileInput extends FileOptions {
  /** A license request file made by the product (`licensereq-<product>.txt`). */
  request?: string;
  /** An existing license to check out as a file. */
  licenseId?: string;
  /** With a request: the key to issue on or to find a license on. */
  keyId?: string;
  /** With a request and a key: issue a new license of this type for the requested period. */
  licenseTypeId?: string;
}

const USABLE = new Set(['unused', 'active', 'expiring']);

function parseRequest(text: string): LicenseRequest {
  const parsed = decodeLicenseRequest(text);
  if (!parsed.ok)
    throw new AppError('INVALID_LICENSE_REQUEST', `the license request cannot be read: ${parsed.problem}`);
  return parsed.request;
}

async function licenseRow(db: Db, vendorId: string, id: string): Promise<LicenseRow> {
  const row = await selectLicenses(db)
    .where('licenses.vendor_id', '=', vendorId)
    .where('licenses.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('LICENSE_NOT_FOUND', 'license');
  return row;
}

/** The key's usable license of the product that lasts longest: what a request matches without a type. */
async function matchingLicense(
  db: Db,
  vendorId: string,
  keyId: string,
  product: string,
  now: Date,
): Promise<LicenseRow> {
  const rows = await selectLicenses(db)
    .where('licenses.vendor_id', '=', vendorId)
    .where('licenses.key_id', '=', keyId)
    .where('products.code', '=', product)
    .execute();
  const usable = rows.filter((row) => USABLE.has(statusOf(row, now)));
  usable.sort((a, b) => (b.expires_at ?? '9999').localeCompare(a.expires_at ?? '9999'));
  if (!usable[0]) {
    throw new AppError(
      'LICENSE_NOT_FOUND',
      `the key holds no usable ${product} license; pick a license type to issue one`,
    );
  }
  return usable[0];
}

export type FileSigner = Awaited<ReturnType<AppContext['signer']['fileSigner']>>;

/**
 * A signed file for one license, inside the caller's transaction (the signer is fetched before it). A file
 * for an installation is a seat (DESIGN §5): the installation is bound to the license within its seat
 * limit, as an online activation would bind a resource (kind `installation`, whatever the license binds
 * online, so both count against the same seats); a file for an installation already bound is issued again.
 */
export async function buildFile(
  handle: DatabaseHandle,
  trx: Db,
  signer: FileSigner,
  row: LicenseRow,
  options: FileOptions,
  actor: Actor,
  now: Date,
) {
  if (!options.installationId)
    throw new AppError('VALIDATION_FAILED', 'a license file needs the installation id it is for');
  const status = statusOf(row, now);
  if (!USABLE.has(status))
    throw new AppError('LICENSE_NOT_USABLE', `the license is ${status}; no file can be issued for it`);
  await lockRows(handle, trx.selectFrom('licenses').select('id').where('id', '=', row.id)).execute();
  const seat =
    seatLimit(row.scope as Scope, row.max_seats) === 0
      ? undefined
      : await claimSeat(trx, [row], { kind: 'installation', id: options.installationId }, now);
  const key = await trx
    .selectFrom('license_keys')
    .innerJoin('customers', 'customers.id', 'license_keys.customer_id')
    .innerJoin('vendors', 'vendors.id', 'license_keys.vendor_id')
    .select([
      'license_keys.id',
      'license_keys.key',
      'customers.id as customerId',
      'customers.name',
      'vendors.prefix',
    ])
    .where('license_keys.id', '=', row.key_id)
    .executeTakeFirstOrThrow();
  const payload: LicensePayload = {
    v: 1,
    id: row.id,
    vendor: key.prefix,
    customer: { id: key.customerId, name: key.name },
    product: row.product_code,
    type: row.type_name,
    scope: row.scope,
    mode: row.mode,
    resourceKind: row.resource_kind,
    capabilities: JSON.parse(row.capabilities) as string[],
    seats: row.max_seats,
    startsAt: row.starts_at,
    expiresAt: row.expires_at,
    term: termOfFile(row, options.term),
    installationId: options.installationId,
    ...(options.tenant ? { tenant: options.tenant } : {}),
    issuedAt: now.toISOString(),
    ...(options.fileExpiresAt ? { fileExpiresAt: new Date(options.fileExpiresAt).toISOString() } : {}),
  };
  const content = await sealLicenseFile(payload, signer, options.encrypt ? key.key : undefined);
  if (seat?.created)
    await recordEvent(trx, row.vendor_id, actor, now, {
      type: 'binding.created',
      subjectType: 'binding',
      subjectId: seat.binding.id,
      keyId: key.id,
      customerId: key.customerId,
      after: {
        licenseId: row.id,
        resource: { kind: seat.binding.resource_kind, id: seat.binding.resource_id },
        via: 'license_file',
      },
    });
  await recordEvent(trx, row.vendor_id, actor, now, {
    type: 'license_file.issued',
    subjectType: 'license',
    subjectId: row.id,
    keyId: key.id,
    customerId: key.customerId,
    after: {
      installationId: payload.installationId,
      tenant: payload.tenant ?? null,
      encrypted: Boolean(options.encrypt),
      fileExpiresAt: payload.fileExpiresAt ?? null,
      kid: signer.kid,
    },
  });
  return {
    fileName: `${row.product_code}-${row.id.slice(-8)}.license`,
    content,
    payload,
    license: toLicense(row, now),
  };
}

/**
 * A signed `.license` file: from a product's license request (issuing a new license of a chosen type,
 * or matching one the key already holds), or for an existing license (check-out).
 */
export async function issueLicenseFile(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: LicenseFileInput,
) {
  assertRole(principal.role, 'manager');
  const request = input.request === undefined ? undefined : parseRequest(input.request);
  const options: FileOptions = {
    ...input,
    installationId: request?.installationId ?? input.installationId,
    tenant: request?.tenant ?? input.tenant,
  };
  // Fetched before the transaction: on SQLite the transaction holds the only connection.
  const signer = await ctx.signer.fileSigner(principal.vendorId);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    let row: LicenseRow;
    if (request && input.licenseTypeId) {
      if (!input.keyId)
        throw new AppError('VALIDATION_FAILED', 'issuing from a request needs the key (keyId) to issue on');
      const type = await trx
        .selectFrom('license_types')
        .innerJoin('products', 'products.id', 'license_types.product_id')
        .select('products.code')
        .where('license_types.vendor_id', '=', principal.vendorId)
        .where('license_types.id', '=', input.licenseTypeId)
        .executeTakeFirst();
      if (!type) throw notFound('LICENSE_TYPE_NOT_FOUND', 'license type');
      if (type.code !== request.product) {
        throw new AppError(
          'PRODUCT_MISMATCH',
          `the request is for ${request.product}, the license type for ${type.code}`,
        );
      }
      const issued = await issueLicenseWith(trx, now, principal.vendorId, actor, input.keyId, {
        licenseTypeId: input.licenseTypeId,
        startsAt: new Date(request.startsAt).toISOString(),
        term: periodTerm(request.period),
      });
      row = await licenseRow(trx, principal.vendorId, issued.id);
      options.term = periodTerm(request.period);
    } else if (input.licenseId) {
      row = await licenseRow(trx, principal.vendorId, input.licenseId);
      if (request && row.product_code !== request.product) {
        throw new AppError(
          'PRODUCT_MISMATCH',
          `the request is for ${request.product}, the license for ${row.product_code}`,
        );
      }
    } else if (request && input.keyId) {
      await findLiveKey(trx, principal.vendorId, input.keyId);
      row = await matchingLicense(trx, principal.vendorId, input.keyId, request.product, now);
    } else {
      throw new AppError('VALIDATION_FAILED', 'send a licenseId, or a request with the keyId it is for');
    }
    return buildFile(ctx.handle, trx, signer, row, options, actor, now);
  });
}

export interface BundleInput extends FileOptions {
  /** Existing licenses to put in the bundle. */
  licenseIds?: string[];
  /** Or new licenses to issue on a key first: e.g. one platform license and ten agent licenses. */
  keyId?: string;
  issue?: { licenseTypeId: string; count: number }[];
}

/** A `.lcs` bundle: many license files in one download, imported by the product at once (seed 001). */
export async function issueBundle(ctx: AppContext, principal: Principal, actor: Actor, input: BundleInput) {
  assertRole(principal.role, 'manager');
  const signer = await ctx.signer.fileSigner(principal.vendorId);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const ids = [...(input.licenseIds ?? [])];
    for (const item of input.issue ?? []) {
      if (!input.keyId)
        throw new AppError('VALIDATION_FAILED', 'issuing new licenses for a bundle needs the keyId');
      for (let i = 0; i < item.count; i++) {
        const issued = await issueLicenseWith(trx, now, principal.vendorId, actor, input.keyId, {
          licenseTypeId: item.licenseTypeId,
        });
        ids.push(issued.id);
      }
    }
    if (ids.length === 0) throw new AppError('VALIDATION_FAILED', 'a bundle needs at least one license');
    const files = [];
    for (const id of ids)
      files.push(
        await buildFile(
          ctx.handle,
          trx,
          signer,
          await licenseRow(trx, principal.vendorId, id),
          input,
          actor,
          now,
        ),
      );
    return {
      fileName: `licenses-${now.toISOString().slice(0, 10)}.lcs`,
      content: encodeBundle(files.map((file) => file.content)),
      licenses: files.map((file) => file.license),
    };
  });
}
