import type { LicenseStorage } from './storage.js';

/** How far back the clock may step (time sync, daylight saving mistakes) before it counts as a rollback. */
export const ROLLBACK_TOLERANCE_MS = 5 * 60_000;

/**
 * Remembers the latest time seen; a clock set back before it is a rollback (someone stretching an
 * expired license by turning back the computer's date).
 */
export class ClockGuard {
  constructor(private readonly storage: LicenseStorage<{ lastSeen: string }>) {}

  /** True when `now` is acceptable; records it as the latest time seen. */
  async check(now: Date): Promise<boolean> {
    const stored = await this.storage.load();
    const lastSeen = stored ? new Date(stored.lastSeen).getTime() : 0;
    if (now.getTime() < lastSeen - ROLLBACK_TOLERANCE_MS) return false;
    if (now.getTime() > lastSeen) await this.storage.save({ lastSeen: now.toISOString() });
    return true;
  }
}
