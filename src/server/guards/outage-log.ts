import type { Logger } from "../../logger.js";

/** One line naming a Redis failure for the server log: class and first line of the message, no stack. */
export function describeOutage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const firstLine = error.message.split("\n", 1)[0] ?? "";
  return `${error.constructor.name}: ${firstLine}`;
}

/**
 * Keeps the server log readable during a Redis outage: the first failed request logs one line
 * with the cause, later ones are only counted, and the first request that succeeds afterwards
 * logs one line saying Redis answers again and how many requests were refused meanwhile. One
 * instance per server process, shared by every route family.
 *
 * @example
 * ```ts
 * const outage = new OutageLog(log);
 * app.use("/api/*", unavailableAs503({ outage }));
 * app.onError((error, context) => errorResponse(error, context, log, { outage }));
 * ```
 */
export class OutageLog {
  private startedAt: number | undefined;
  private refused = 0;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether an outage is under way (a request failed on Redis and none has succeeded since). */
  get ongoing(): boolean {
    return this.startedAt !== undefined;
  }

  /** Requests answered 503 in the current outage. */
  get refusedRequests(): number {
    return this.refused;
  }

  /** A request failed because Redis is unavailable. Logs only the first of an outage. */
  failed(error: unknown): void {
    this.refused += 1;
    if (this.startedAt !== undefined) return;
    this.startedAt = this.now();
    this.log.error(`Redis is unavailable (${describeOutage(error)}); requests that need it are answered 503 with Retry-After until it is back. Logged once per outage.`);
  }

  /** A request that needed Redis succeeded. Ends an ongoing outage with one line. */
  succeeded(): void {
    if (this.startedAt === undefined) return;
    const seconds = ((this.now() - this.startedAt) / 1000).toFixed(1);
    this.log.info(`Redis answers again after ${seconds} s; ${this.refused} requests were answered 503 meanwhile.`);
    this.startedAt = undefined;
    this.refused = 0;
  }
}
