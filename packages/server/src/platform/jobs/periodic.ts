/**
 * A pass of background work run every interval until stopped. Calls that overlap share the pass in progress,
 * so a slow pass is never run twice at once by the timer and a caller.
 */
export class Periodic<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;

  constructor(private readonly pass: () => Promise<T>) {}

  tick(): Promise<T> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Runs a pass every interval until `stop()`; the timer keeps the process alive (`licensor worker`). */
  start(intervalMs: number): void {
    this.timer ??= setInterval(() => {
      this.tick().catch(() => undefined);
    }, intervalMs);
  }

  get started(): boolean {
    return this.timer !== undefined;
  }

  /** Stops the timer and waits for the pass in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
