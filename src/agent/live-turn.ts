import type { EventSink } from "../events/types.js";
import type { LearningEntry } from "../learning/queue.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import type { SessionContextStore } from "./session-context.js";

export interface LiveTurnOptions {
  /** Hears run.finished (the event bus). */
  events?: EventSink;
  /** Keeps each session's context (task, tools, last activity). */
  contexts?: SessionContextStore;
  log?: Logger;
}

/**
 * What the live system does with a finished turn, as an `onTurnEnd` callback: publishes
 * `run.finished` (tools, latency) for the user and updates the session's context. It runs after
 * the answer (where `onTurnEnd` runs), returns at once and never throws; a failed context update is
 * logged once per outage, so a Redis outage never fails or slows a turn because of it.
 *
 * @example
 * ```ts
 * const live = liveTurn({ events: bus, contexts: new SessionContextStore(redis, keys), log });
 * createStatefulGraph({ ...options, onTurnEnd: (turn) => { learn(turn); live(turn); } });
 * ```
 */
export function liveTurn({ events, contexts, log = silentLogger }: LiveTurnOptions): (turn: LearningEntry) => void {
  let failing = false;
  return (turn) => {
    events?.publish(turn.userId, {
      type: "run.finished",
      ...(turn.sessionId ? { sessionId: turn.sessionId } : {}),
      tools: turn.tools,
      latencyMs: turn.durationMs,
    });
    if (!contexts || !turn.sessionId) return;
    contexts.update(turn.userId, turn.sessionId, turn).then(
      () => {
        failing = false;
      },
      (error: unknown) => {
        if (!failing) log.warn(`session context of ${turn.sessionId}: not updated (${(error as Error).message}); further failures are not logged until an update works.`);
        failing = true;
      },
    );
  };
}
