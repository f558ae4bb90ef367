import { silentLogger, type Logger } from "../logger.js";
import type { OutcomeCheck } from "./outcomes.js";
import type { Reflections } from "./reflections.js";

export interface CoachingScheduleOptions {
  outcomes: OutcomeCheck;
  /** Without it, no reflections are written (no chat model, say). */
  reflections?: Reflections;
  /** Between passes (default 60 s). */
  intervalMs?: number;
  log?: Logger;
}

/** What one pass did. */
export interface CoachingPass {
  resolved: number;
  reflections: number;
}

/**
 * The learning worker's timed coaching work: every `intervalMs`, the outcomes of advice whose
 * evaluation window has ended are measured, and idle sessions get their reflection. A pass that
 * fails is logged and the next one runs as usual; nothing is lost, because both kinds of work
 * stay queued in Redis until done.
 *
 * @example
 * ```ts
 * const schedule = new CoachingSchedule({ outcomes, reflections, log });
 * schedule.start();
 * await schedule.stop(); // on shutdown, before the Redis client closes
 * ```
 */
export class CoachingSchedule {
  private readonly intervalMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: CoachingScheduleOptions) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.log = options.log ?? silentLogger;
  }

  /** One pass: outcomes first (cheap, no model), then reflections. */
  async runOnce(): Promise<CoachingPass> {
    const resolved = await this.options.outcomes.due();
    const written = this.options.reflections ? await this.options.reflections.pass() : [];
    return { resolved: resolved.length, reflections: written.length };
  }

  /** Runs a pass now and then every `intervalMs`, one at a time, until stop(). */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.runOnce()
        .then((pass) => {
          if (pass.resolved + pass.reflections > 0) this.log.info(`coaching: ${pass.resolved} advice outcomes measured, ${pass.reflections} reflections written`);
        })
        .catch((error: unknown) => this.log.warn(`coaching pass failed (${(error as Error).message}); the next pass tries again`))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops the timer and waits for a running pass. */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
  }
}
