import type { Context, MiddlewareHandler } from "hono";
import { RateLimitedError, UnauthorizedError } from "../../errors.js";
import type { AuthFailureLimiter } from "./auth-failure-limiter.js";
import { clientAddress } from "./client-address.js";
import { refuse } from "./refuse.js";

export interface AuthFailureThrottleOptions {
  limiter: AuthFailureLimiter;
  /** The client's address (default: the socket's peer address; pass your own behind a proxy). */
  addressOf?: (context: Context) => string;
}

/**
 * Brakes token guessing (tokens mode): mounted in front of the authentication middleware, it
 * answers 429 ERR_RATE_LIMITED with Retry-After, before the token is even looked at, to an address
 * that has failed to authenticate too often in the window, and counts every 401 the requests
 * behind it end with (thrown as UnauthorizedError or answered).
 *
 * @example
 * ```ts
 * const limiter = new AuthFailureLimiter(redis, keys, config.authFailures);
 * app.use("/api/*", authFailureThrottle({ limiter }), auth.middleware);
 * ```
 */
export function authFailureThrottle(options: AuthFailureThrottleOptions): MiddlewareHandler {
  const { limiter } = options;
  const addressOf = options.addressOf ?? clientAddress;
  return async (context, next) => {
    const address = addressOf(context);
    const verdict = await limiter.check(address);
    if (verdict.limited) {
      return refuse(
        context,
        new RateLimitedError(
          `Too many failed authentications from this address (${verdict.failures} within ${limiter.windowSeconds} s); try again in ${verdict.retryAfterSeconds} s with a valid token from API_TOKENS.`,
          verdict.retryAfterSeconds,
        ),
      );
    }
    try {
      await next();
    } catch (error) {
      if (error instanceof UnauthorizedError) await limiter.recordFailure(address);
      throw error;
    }
    if (context.res.status === 401) await limiter.recordFailure(address);
  };
}
