import type { MiddlewareHandler } from "hono";
import { silentLogger } from "../../logger.js";
import { isRedisOutage } from "../../redis/client.js";
import { unavailableResponse } from "../errors.js";
import type { OutageLog } from "./outage-log.js";

export interface UnavailableAs503Options {
  /** Shared outage log: one line when an outage starts, one when it ends. */
  outage: OutageLog;
  /** Retry-After when the outage's end is unknown (an open circuit knows its own). Default 5. */
  retryAfterSeconds?: number;
}

/**
 * Whatever the routes behind it are (the app's or LangGraph's), a request that failed because
 * Redis is unavailable is answered 503 ERR_REDIS_UNAVAILABLE with Retry-After, never a 500 with a
 * stack: the failure is found in `c.error` (an inner onError already answered it) or caught when
 * thrown. Responses that succeed end an ongoing outage in the log.
 *
 * @example
 * ```ts
 * const outage = new OutageLog(log);
 * app.use("*", unavailableAs503({ outage }));
 * ```
 */
export function unavailableAs503(options: UnavailableAs503Options): MiddlewareHandler {
  const { outage, retryAfterSeconds } = options;
  const log = silentLogger;
  return async (context, next) => {
    try {
      await next();
    } catch (error) {
      if (!isRedisOutage(error)) throw error;
      return unavailableResponse(error, context, outage, log, retryAfterSeconds);
    }
    if (context.error !== undefined && isRedisOutage(context.error)) {
      if (context.res.status !== 503 || !context.res.headers.has("Retry-After")) {
        context.res = unavailableResponse(context.error, context, outage, log, retryAfterSeconds);
      }
      return;
    }
    if (context.res.status < 500) outage.succeeded();
  };
}
