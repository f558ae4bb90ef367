import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { WellnessError } from "../errors.js";
import type { Logger } from "../logger.js";

/** HTTP status for each error code; the one place the mapping lives. */
const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  ERR_INVALID_ID: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_PERIOD: 400,
  ERR_IMPORT_NOT_AN_EXPORT: 400,
  ERR_IMPORT_BAD_ZIP: 400,
  ERR_IMPORT_NO_EXPORT_XML: 400,
  ERR_IMPORT_MALFORMED_XML: 400,
  ERR_IMPORT_UNSUPPORTED_FORMAT: 400,
  ERR_IMPORT_IN_PROGRESS: 409,
  ERR_SESSION_BUSY: 409,
  ERR_MODEL_UNAVAILABLE: 503,
  ERR_EMBEDDING_UNAVAILABLE: 503,
  ERR_EMBEDDING_MODEL_MISMATCH: 503,
  ERR_VALIDATION: 400,
  ERR_NOT_FOUND: 404,
  ERR_REDIS_UNAVAILABLE: 503,
  ERR_CIRCUIT_OPEN: 503,
};

export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * Turns any thrown value into a JSON error response. Our own errors keep their code and message;
 * anything else is logged and answered with a generic 500 so internals never leak to a client.
 */
export function errorResponse(error: unknown, context: Context, log: Logger): Response {
  if (error instanceof WellnessError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    if (status >= 500) log.error(`${context.req.method} ${context.req.path}: ${error.message}`);
    return context.json<ErrorBody>({ error: { code: error.code, message: error.message } }, status);
  }
  log.error(`${context.req.method} ${context.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return context.json<ErrorBody>({ error: { code: "ERR_INTERNAL", message: "Internal server error" } }, 500);
}
