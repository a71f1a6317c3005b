import type { Db } from '../../platform/db/database.js';

/** The vendor's default language for its customers' e-mails, from its stored settings ('en' unless set). */
export function vendorLanguage(settings: string): 'en' | 'ru' {
  const parsed = JSON.parse(settings) as { language?: unknown };
  return parsed.language === 'ru' ? 'ru' : 'en';
}

/** The vendor's default language, read in the caller's transaction. */
export async function languageOfVendor(db: Db, vendorId: string): Promise<'en' | 'ru'> {
  const vendor = await db
    .selectFrom('vendors')
    .select('settings')
    .where('id', '=', vendorId)
    .executeTakeFirstOrThrow();
  return vendorLanguage(vendor.settings);
}
