import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CircuitOpenError, RateLimitedError, WellnessError, type ErrorCode } from "../errors.js";
import type { Logger } from "../logger.js";
import { isRedisOutage } from "../redis/client.js";
import { describeOutage, type OutageLog } from "./guards/outage-log.js";

/**
 * HTTP status for each error code; the one place the mapping lives. `satisfies` makes it total:
 * a code added to {@link ErrorCode} without a status here does not compile.
 */
export const STATUS_BY_CODE = {
  ERR_CONFIG: 500,
  ERR_INVALID_ID: 400,
  ERR_INVALID_NAMESPACE: 400,
  ERR_REDIS_UNAVAILABLE: 503,
  ERR_REDIS_SERVER_NOT_INSTALLED: 500,
  ERR_CIRCUIT_OPEN: 503,
  ERR_CHECKPOINT_CONFIG: 400,
  ERR_SERVER_START: 500,
  ERR_IMPORT_NOT_FOUND: 400,
  ERR_IMPORT_NOT_AN_EXPORT: 400,
  ERR_IMPORT_BAD_ZIP: 400,
  ERR_IMPORT_NO_EXPORT_XML: 400,
  ERR_IMPORT_MALFORMED_XML: 400,
  ERR_IMPORT_UNSUPPORTED_FORMAT: 400,
  ERR_IMPORT_IN_PROGRESS: 409,
  ERR_IMPORT_TOO_LARGE: 413,
  ERR_IMPORT_TOO_MANY_TYPES: 400,
  ERR_IMPORT_NOTHING_TO_REINDEX: 404,
  ERR_EMBEDDING_UNAVAILABLE: 503,
  ERR_EMBEDDING_MODEL_MISMATCH: 503,
  ERR_NOT_FOUND: 404,
  ERR_VALIDATION: 400,
  ERR_MODEL_UNAVAILABLE: 503,
  ERR_UNAUTHORIZED: 401,
  ERR_FORBIDDEN_ORIGIN: 403,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_RATE_LIMITED: 429,
  ERR_SESSION_BUSY: 409,
  ERR_CACHE_PATTERN: 400,
  ERR_PERIOD: 400,
  ERR_TOOL_CONTEXT: 500,
  ERR_UNKNOWN_METRIC: 400,
  ERR_INTERNAL: 500,
  ERR_USAGE: 400,
  ERR_TEST_REDIS_NOT_EMPTY: 500,
  ERR_NO_TEST_REDIS: 500,
  ERR_REFLECTION_FAILED: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

/** The HTTP status of an error code. */
export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS_BY_CODE[code];
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Seconds a client is told to wait when Redis is unavailable and no better estimate is known. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The message of every 503 for a Redis outage: what happened and what to do, nothing internal. */
export const REDIS_UNAVAILABLE_MESSAGE = "Redis is not answering right now, so this request could not be served. Try again shortly; if it persists, check that Redis is running and reachable (the server log has the cause).";

/** Seconds until a Redis outage may be over: the open circuit's cooldown, else the default. */
export function retryAfterOf(error: unknown, fallbackSeconds = DEFAULT_RETRY_AFTER_SECONDS, now = Date.now()): number {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof CircuitOpenError) return Math.max(1, Math.ceil((current.retryAt.getTime() - now) / 1000));
    if (current instanceof RateLimitedError) return current.retryAfterSeconds;
    current = current.cause;
  }
  return fallbackSeconds;
}

/**
 * The 503 for a Redis outage (ERR_REDIS_UNAVAILABLE with Retry-After), reported to the outage
 * log so the server log gets one line per outage, not a stack per request.
 */
export function unavailableResponse(error: unknown, context: Context, outage: OutageLog | undefined, log: Logger, retryAfterSeconds?: number): Response {
  if (outage) outage.failed(error);
  else log.warn(`${context.req.method} ${context.req.path}: Redis unavailable (${describeOutage(error)})`);
  context.header("Retry-After", String(retryAfterOf(error, retryAfterSeconds)));
  return context.json<ErrorBody>({ error: { code: "ERR_REDIS_UNAVAILABLE", message: REDIS_UNAVAILABLE_MESSAGE } }, 503);
}

/** What {@link errorResponse} may use beyond the logger. */
export interface ErrorResponseOptions {
  /** Where Redis outages are reported (one line per outage); without it each is a warning. */
  outage?: OutageLog;
  /** Retry-After of a 503 for an outage whose end is unknown (default 5). */
  retryAfterSeconds?: number;
}

/**
 * Turns any thrown value into a JSON error response. Our own errors keep their code and message;
 * a Redis outage (whatever node-redis or the breaker threw) is a 503 with Retry-After; anything
 * else is logged and answered with a generic 500 so internals never leak to a client.
 */
export function errorResponse(error: unknown, context: Context, log: Logger, options: ErrorResponseOptions = {}): Response {
  if (isRedisOutage(error)) return unavailableResponse(error, context, options.outage, log, options.retryAfterSeconds);
  if (error instanceof WellnessError) {
    const status = statusOf(error.code);
    if (status >= 500) log.error(`${context.req.method} ${context.req.path}: ${error.message}`);
    if (error instanceof RateLimitedError) context.header("Retry-After", String(error.retryAfterSeconds));
    return context.json<ErrorBody>({ error: { code: error.code, message: error.message } }, status);
  }
  log.error(`${context.req.method} ${context.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return context.json<ErrorBody>({ error: { code: "ERR_INTERNAL", message: "Internal server error" } }, 500);
}
