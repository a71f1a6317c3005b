import type { Kysely } from 'kysely';

/**
 * A resource's binding to one license, found by both: a validation asks, for each license of the key, whether the
 * asked machine is bound to it. By the resource alone it read that id's bindings across the whole server (a
 * fingerprint such as "localhost" may be bound under thousands of keys); by the license alone, every agent of an
 * unlimited license. The resource-only index it replaces is this one's prefix.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('bindings_resource_license')
    .on('bindings')
    .columns(['resource_id', 'license_id'])
    .execute();
  await db.schema.dropIndex('bindings_resource').execute();
}
