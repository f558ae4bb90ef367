export interface BackoffOptions {
  /** First delay (ms). */
  baseMs: number;
  /** No delay is longer than this (ms). */
  capMs: number;
  /** 0..1, for tests; Math.random by default. */
  random?: () => number;
}

export interface RetryOptions extends BackoffOptions {
  /** Tries in all, the first included. */
  attempts: number;
  /** Waits between tries; a timer by default (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The delay before try number `attempt` (1 after the first failure): exponential, capped, with
 * "equal jitter" (half fixed, half random), so many workers that failed together do not retry
 * together, yet none retries at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const random = options.random ?? Math.random;
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/**
 * Runs `task` until it succeeds or `attempts` tries have failed, waiting a capped exponential
 * delay with jitter between tries; the last failure is thrown.
 *
 * @example
 * ```ts
 * const text = await retry(() => model.invoke(prompt), { attempts: 3, baseMs: 500, capMs: 8_000 });
 * ```
 */
export async function retry<T>(task: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= options.attempts) throw error;
      await sleep(backoffDelay(attempt, options));
    }
  }
}
