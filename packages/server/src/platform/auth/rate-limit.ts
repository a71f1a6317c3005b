import { AppError } from '../errors.js';

/**
 * A fixed-window counter per client and bucket, in memory. Each server process limits on its own;
 * behind a load balancer the effective limit is per process, which is enough to stop guessing.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly what: string,
  ) {}

  hit(client: string, nowMs: number): void {
    if (this.perMinute === 0) return;
    const window = this.windows.get(client);
    if (!window || nowMs - window.start >= 60_000) {
      if (this.windows.size > 100_000) this.windows.clear();
      this.windows.set(client, { start: nowMs, count: 1 });
      return;
    }
    window.count += 1;
    if (window.count > this.perMinute) {
      throw new AppError('RATE_LIMITED', `too many ${this.what}; try again in a minute`);
    }
  }
}
