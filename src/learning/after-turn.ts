import { silentLogger, type Logger } from "../logger.js";

/**
 * Work a turn leaves for after its answer (learning what the turn teaches), run in the
 * background of the serving process, a few at a time, and awaited on shutdown with `drain()`.
 * A task never starts before the event loop has finished what the turn itself scheduled, and a
 * failing task is logged, never thrown at the user.
 *
 * @example
 * ```ts
 * const tasks = new AfterTurnTasks({ log });
 * tasks.run("learn", () => learner.learn(entry));
 * await tasks.drain(); // on shutdown, before the Redis client closes
 * ```
 */
export class AfterTurnTasks {
  private readonly waiting: { what: string; task: () => Promise<unknown> }[] = [];
  private readonly settled = new Set<() => void>();
  private active = 0;
  private readonly concurrency: number;
  private readonly log: Logger;

  constructor(options: { concurrency?: number; log?: Logger } = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.log = options.log ?? silentLogger;
  }

  /** Tasks started or waiting. */
  get pending(): number {
    return this.active + this.waiting.length;
  }

  /** Queues a task; it starts on a later turn of the event loop, after the current work. */
  run(what: string, task: () => Promise<unknown>): void {
    this.waiting.push({ what, task });
    setImmediate(() => this.next());
  }

  /** Resolves when every queued and running task has finished (including ones queued meanwhile). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.pending === 0) {
          this.settled.delete(check);
          resolve();
        }
      };
      this.settled.add(check);
    });
  }

  private next(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      const { what, task } = this.waiting.shift() as { what: string; task: () => Promise<unknown> };
      this.active += 1;
      void task()
        .catch((error: unknown) => this.log.warn(`after the turn: ${what} failed (${(error as Error).message})`))
        .finally(() => {
          this.active -= 1;
          this.next();
          if (this.pending === 0) for (const check of [...this.settled]) check();
        });
    }
  }
}
