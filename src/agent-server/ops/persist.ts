import { isRedisOutage } from "../../redis/client.js";

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `write` until Redis takes it: a connection failure is retried with capped exponential
 * backoff for up to `giveUpAfterMs`, after which `onGiveUp` hears of it and the call resolves.
 * For what the Agent Server's queue workers write when a run ends (its status, the thread's
 * status): those calls sit outside any try in the server, so one that threw during an outage
 * would stop that worker for good. Any other error is thrown as usual.
 */
export async function persistently(write: () => Promise<void>, options: { giveUpAfterMs: number; onGiveUp: (error: unknown) => void }): Promise<void> {
  const deadline = Date.now() + options.giveUpAfterMs;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      await write();
      return;
    } catch (error) {
      if (!isRedisOutage(error)) throw error;
      if (Date.now() + delay > deadline) {
        options.onGiveUp(error);
        return;
      }
      await sleep(delay);
    }
  }
}
