import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { EventBus } from "../../events/bus.js";
import { parseStreamId } from "../../events/stream-id.js";
import type { Logger } from "../../logger.js";
import { silentLogger } from "../../logger.js";

export interface EventRouteDependencies {
  bus: Pick<EventBus, "follow" | "lastId">;
  userOf: (context: Context) => string;
  /** A comment line this often keeps proxies and browsers from closing an idle stream. */
  heartbeatMs?: number;
  /** How often the user's log is read without a live message (see EventBus.follow). */
  catchUpMs?: number;
  log?: Logger;
}

/**
 * GET /api/events: the caller's own events as Server-Sent Events, each with its log id as the SSE
 * `id` and its type as the SSE `event`. A client that reconnects with `Last-Event-ID` (browsers'
 * EventSource does it by itself) or `?after=<id>` gets every event after that id from the log,
 * then the live ones, with no gap and no repeat; `?after=0` replays all the log keeps. Without
 * either, the stream starts with the next event.
 *
 * @example
 * ```ts
 * app.route("/api/events", eventRoutes({ bus, userOf }));
 * // curl -N -H 'Last-Event-ID: 1718000000000-0' http://127.0.0.1:8000/api/events
 * ```
 */
export function eventRoutes({ bus, userOf, heartbeatMs = 15_000, catchUpMs, log = silentLogger }: EventRouteDependencies): Hono {
  return new Hono().get("/", async (context) => {
    const userId = userOf(context);
    const resumeFrom = context.req.header("Last-Event-ID") ?? context.req.query("after");
    const after = resumeFrom !== undefined && resumeFrom !== "" ? parseStreamId(resumeFrom) : await bus.lastId(userId);
    return streamSSE(context, async (sse) => {
      const controller = new AbortController();
      sse.onAbort(() => controller.abort());
      const heartbeat = setInterval(() => {
        sse.write(": heartbeat\n\n").catch(() => controller.abort());
      }, heartbeatMs);
      try {
        await sse.write(": connected\n\n");
        for await (const stored of bus.follow(userId, after, { signal: controller.signal, ...(catchUpMs ? { catchUpMs } : {}) })) {
          await sse.writeSSE({ id: stored.id, event: stored.event.type, data: JSON.stringify({ at: stored.at, ...stored.event }) });
        }
      } catch (error) {
        if (!controller.signal.aborted) {
          log.warn(`GET /api/events for ${userId}: ${(error as Error).message}`);
          await sse.writeSSE({ event: "error", data: JSON.stringify({ code: "ERR_REDIS_UNAVAILABLE", message: "The event stream stopped; reconnect with Last-Event-ID to resume." }) }).catch(() => undefined);
        }
      } finally {
        clearInterval(heartbeat);
      }
    });
  });
}
