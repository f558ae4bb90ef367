import type { Context } from "hono";
import { RateLimitedError, type WellnessError } from "../../errors.js";
import { statusOf, type ErrorBody } from "../errors.js";

/**
 * The response a guard gives when it refuses a request: the same `{ error: { code, message } }`
 * body and status as the app's error handler, with Retry-After where the error knows it. Guards
 * answer themselves rather than throw, so they behave the same in front of routes whose app has
 * another error handler (LangGraph's).
 */
export function refuse(context: Context, error: WellnessError): Response {
  if (error instanceof RateLimitedError) context.header("Retry-After", String(error.retryAfterSeconds));
  return context.json<ErrorBody>({ error: { code: error.code, message: error.message } }, statusOf(error.code));
}
