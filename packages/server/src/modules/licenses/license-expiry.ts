import { LATEST_INSTANT } from '@licensor/core';
import { AppError } from '../../platform/errors.js';

/**
 * An expiry computed from a term, as stored: refused when it falls past 9999-12-31, which has no four-digit ISO
 * form (it would be stored as "+010000-…", and every reader and the export would trip on it).
 */
export function expiryText(expiresAt: Date): string {
  if (!(expiresAt.getTime() <= LATEST_INSTANT))
    throw new AppError('VALIDATION_FAILED', 'the term would end after the year 9999: choose a shorter term', [
      { path: 'term', message: 'ends after 9999-12-31' },
    ]);
  return expiresAt.toISOString();
}
