import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";

export interface BackgroundWritesOptions {
  /** Names the writes in log lines ("event bus", "model statistics"). */
  name: string;
  /** Writes allowed in flight at once; beyond it new writes are dropped, never queued. */
  maxInFlight?: number;
  log?: Logger;
}

/**
 * Best-effort Redis writes that must never slow or fail the operation that asked for them (an
 * event about an import, a model call's statistics): each write starts at once and nobody awaits
 * it. At most `maxInFlight` run at a time, so a slow or absent Redis cannot pile up promises;
 * what does not fit is dropped and counted. A failure is logged once per outage (the first
 * failure after a success), and the recovery once, so an outage is two log lines, not thousands.
 *
 * @example
 * ```ts
 * const writes = new BackgroundWrites({ name: "event bus", log });
 * writes.run(() => redis.publish(channel, message));   // returns at once
 * await writes.drain();                                // on shutdown
 * ```
 */
export class BackgroundWrites {
  private readonly name: string;
  private readonly maxInFlight: number;
  private readonly log: Logger;
  private readonly pending = new Set<Promise<void>>();
  private failing = false;
  private droppedCount = 0;
  private failedCount = 0;

  constructor(options: BackgroundWritesOptions) {
    this.name = options.name;
    this.maxInFlight = options.maxInFlight ?? 256;
    this.log = options.log ?? silentLogger;
  }

  /** Starts `write` unless too many are in flight; returns at once and never throws. */
  run(write: () => Promise<unknown>): void {
    if (this.pending.size >= this.maxInFlight) {
      this.droppedCount++;
      this.warnOnce(`${this.maxInFlight} writes already in flight; this one was dropped`);
      return;
    }
    let started: Promise<unknown>;
    try {
      started = write();
    } catch (error) {
      this.fail(error);
      return;
    }
    const settled = started.then(
      () => this.succeed(),
      (error: unknown) => this.fail(error),
    );
    const tracked = settled.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Waits for the writes in flight now (shutdown, tests); never rejects. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Writes in flight, dropped for want of room, and failed, since this instance was made. */
  stats(): { inFlight: number; dropped: number; failed: number } {
    return { inFlight: this.pending.size, dropped: this.droppedCount, failed: this.failedCount };
  }

  private succeed(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log.info(`${this.name}: Redis writes work again.`);
  }

  private fail(error: unknown): void {
    this.failedCount++;
    this.warnOnce(`a write failed (${error instanceof Error ? error.message : String(error)})`);
  }

  private warnOnce(what: string): void {
    if (this.failing) return;
    this.failing = true;
    this.log.warn(`${this.name}: ${what}; further failures are not logged until writes work again. Nothing waits on these writes.`);
  }
}
