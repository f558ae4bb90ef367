/**
 * Every error code this project uses: a closed set, so the HTTP status map
 * (src/server/errors.ts) must name each one and a new code cannot fall through to a 500.
 */
export type ErrorCode =
  | "ERR_CONFIG"
  | "ERR_INVALID_ID"
  | "ERR_INVALID_NAMESPACE"
  | "ERR_REDIS_UNAVAILABLE"
  | "ERR_REDIS_SERVER_NOT_INSTALLED"
  | "ERR_CIRCUIT_OPEN"
  | "ERR_CHECKPOINT_CONFIG"
  | "ERR_SERVER_START"
  | ImportErrorCode
  | "ERR_EMBEDDING_UNAVAILABLE"
  | "ERR_EMBEDDING_MODEL_MISMATCH"
  | "ERR_NOT_FOUND"
  | "ERR_VALIDATION"
  | "ERR_MODEL_UNAVAILABLE"
  | "ERR_UNAUTHORIZED"
  | "ERR_FORBIDDEN_ORIGIN"
  | "ERR_PAYLOAD_TOO_LARGE"
  | "ERR_UNSUPPORTED_MEDIA_TYPE"
  | "ERR_RATE_LIMITED"
  | "ERR_SESSION_BUSY"
  | "ERR_REFLECTION_FAILED"
  | "ERR_CACHE_PATTERN"
  | "ERR_PERIOD"
  | "ERR_TOOL_CONTEXT"
  | "ERR_UNKNOWN_METRIC"
  | "ERR_INTERNAL"
  | "ERR_USAGE"
  | "ERR_TEST_REDIS_NOT_EMPTY"
  | "ERR_NO_TEST_REDIS";

/** The codes an {@link ImportError} carries. */
export type ImportErrorCode =
  | "ERR_IMPORT_NOT_FOUND"
  | "ERR_IMPORT_NOT_AN_EXPORT"
  | "ERR_IMPORT_BAD_ZIP"
  | "ERR_IMPORT_NO_EXPORT_XML"
  | "ERR_IMPORT_MALFORMED_XML"
  | "ERR_IMPORT_UNSUPPORTED_FORMAT"
  | "ERR_IMPORT_IN_PROGRESS"
  | "ERR_IMPORT_TOO_LARGE"
  | "ERR_IMPORT_TOO_MANY_TYPES"
  | "ERR_IMPORT_NOTHING_TO_REINDEX";

/**
 * Every error this project throws on purpose is a {@link WellnessError}: callers match on
 * `code` or on the class, never on message text, so messages stay free to explain what to do.
 *
 * @example
 * ```ts
 * try {
 *   keys.userData(userId);
 * } catch (error) {
 *   if (error instanceof WellnessError && error.code === "ERR_INVALID_ID") return badRequest(error);
 *   throw error;
 * }
 * ```
 */
export class WellnessError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One environment variable that failed validation. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/**
 * The environment holds a value the app cannot run with. The message names every bad variable
 * and what it accepts, so start-up can print it and stop.
 */
export class ConfigError extends WellnessError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((issue) => `  ${issue.variable}: ${issue.message}`);
    super(
      "ERR_CONFIG",
      `Invalid configuration; fix these environment variables (see .env.example):\n${lines.join("\n")}`,
      options,
    );
    this.issues = issues;
  }
}

/** What an id that reaches a Redis key may be, said by an {@link InvalidIdError} unless it says otherwise. */
export const ID_RULE = "Ids are 1-128 characters without control characters or any of { } * ? [ ] \\.";

/** The hint of an {@link InvalidIdError} for an id the memory stores issue themselves. */
export const ISSUED_ID_HINT = "Use an id that `wellness memory list` or GET /api/memory shows.";

/**
 * An id that would reach a Redis key is empty, too long, or holds a forbidden character, or a
 * value stored under one is not what it must be. `hint` says what to send instead (by default
 * the id rule; "" says nothing more).
 */
export class InvalidIdError extends WellnessError {
  readonly field: string;

  constructor(field: string, reason: string, hint: string = ID_RULE) {
    super("ERR_INVALID_ID", `Invalid ${field}: ${reason}.${hint === "" ? "" : ` ${hint}`}`);
    this.field = field;
  }
}

/** Redis could not be reached (connection refused, timed out, or gave up reconnecting). */
export class RedisUnavailableError extends WellnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_REDIS_UNAVAILABLE", message, options);
  }
}

/** The redis-server binary the app or the test harness wanted to start is not installed. */
export class RedisServerNotInstalledError extends WellnessError {
  constructor(binary: string, options?: { cause?: unknown }) {
    super(
      "ERR_REDIS_SERVER_NOT_INSTALLED",
      `${binary} is not installed. Install it (apt-get install redis-server, brew install redis) or run one with docker run -p 6379:6379 redis:8.`,
      options,
    );
  }
}

/**
 * The circuit breaker is open after repeated Redis failures: the call was not attempted.
 * `retryAt` is when the breaker will let a trial call through.
 */
export class CircuitOpenError extends WellnessError {
  readonly retryAt: Date;

  constructor(name: string, retryAt: Date, options?: { cause?: unknown }) {
    super(
      "ERR_CIRCUIT_OPEN",
      `The ${name} circuit is open after repeated failures; calls fail fast until ${retryAt.toISOString()}. Check that Redis is running and reachable.`,
      options,
    );
    this.retryAt = retryAt;
  }
}

/** A checkpoint call lacks what it needs (thread_id, checkpoint_id) or carries a value of the wrong type. */
export class CheckpointConfigError extends WellnessError {
  constructor(message: string) {
    super("ERR_CHECKPOINT_CONFIG", message);
  }
}

/** The HTTP server could not listen (port taken, address not available). */
export class ServerStartError extends WellnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_SERVER_START", message, options);
  }
}

/**
 * An Apple Health export could not be imported. `code` says why: ERR_IMPORT_NOT_FOUND,
 * ERR_IMPORT_NOT_AN_EXPORT (not a zip or XML), ERR_IMPORT_BAD_ZIP (truncated or corrupt),
 * ERR_IMPORT_NO_EXPORT_XML, ERR_IMPORT_MALFORMED_XML (with line and column),
 * ERR_IMPORT_UNSUPPORTED_FORMAT, ERR_IMPORT_IN_PROGRESS, ERR_IMPORT_TOO_LARGE (a zip entry over
 * its caps), ERR_IMPORT_TOO_MANY_TYPES, ERR_IMPORT_NOTHING_TO_REINDEX.
 */
export class ImportError extends WellnessError {
  declare readonly code: ImportErrorCode;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: ImportErrorCode, message: string, options?: { cause?: unknown; line?: number; column?: number }) {
    super(code, message, options);
    this.line = options?.line;
    this.column = options?.column;
  }
}

/** The embedding provider cannot be used (Ollama unreachable, model missing, bad reply). */
export class EmbeddingUnavailableError extends WellnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_EMBEDDING_UNAVAILABLE", message, options);
  }
}

/**
 * Stored memories were embedded with another provider, model or dimension than the one running
 * now; searching or writing them would mix incomparable vectors.
 */
export class EmbeddingModelMismatchError extends WellnessError {
  constructor(stored: string, current: string) {
    super(
      "ERR_EMBEDDING_MODEL_MISMATCH",
      `Memories in Redis were embedded with ${stored}, but this process uses ${current}. Run \`wellness memory reindex\` to re-embed them with the current model, or set EMBEDDING_PROVIDER and EMBEDDING_MODEL back.`,
    );
  }
}

/** A memory id, type or argument that does not name anything this user has. */
export class MemoryNotFoundError extends WellnessError {
  constructor(message: string) {
    super("ERR_NOT_FOUND", message);
  }
}

/** A request's parameters, query or body do not match what the route accepts. */
export class ValidationError extends WellnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_VALIDATION", message, options);
  }
}

/** The chat model could not be reached or refused the request; the message says how to fix it. */
export class ModelUnavailableError extends WellnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_MODEL_UNAVAILABLE", message, options);
  }
}

/** The request carries no valid API token. */
export class UnauthorizedError extends WellnessError {
  constructor(message = "Send Authorization: Bearer <token> with a token from API_TOKENS.") {
    super("ERR_UNAUTHORIZED", message);
  }
}

/**
 * A request (or a part of it: metadata, the upload) is larger than a configured limit. Names the
 * limit and the variable that raises it, so whoever hits it knows what to change.
 */
export class PayloadTooLargeError extends WellnessError {
  /** What was too large, e.g. "request body" or "metadata". */
  readonly what: string;
  readonly limitBytes: number;
  /** The environment variable that sets the limit. */
  readonly variable: string;

  constructor(what: string, limitBytes: number, variable: string) {
    super("ERR_PAYLOAD_TOO_LARGE", `The ${what} is larger than the limit of ${formatBytes(limitBytes)} (${limitBytes} bytes); send less, or raise ${variable} on the server.`);
    this.what = what;
    this.limitBytes = limitBytes;
    this.variable = variable;
  }
}

/** A state-changing request carries a body type the route does not take (a form post from a foreign page, say). */
export class UnsupportedMediaTypeError extends WellnessError {
  constructor(received: string, accepted: readonly string[]) {
    super(
      "ERR_UNSUPPORTED_MEDIA_TYPE",
      `Content-Type '${received.slice(0, 80) || "(none)"}' is not accepted here; send ${accepted.join(" or ")}.`,
    );
  }
}

/**
 * A request the single-user server refuses because it may come from another web page: a Host
 * that is not a loopback name (DNS rebinding) or an Origin that is not the server itself (CSRF).
 */
export class ForbiddenOriginError extends WellnessError {
  constructor(message: string) {
    super("ERR_FORBIDDEN_ORIGIN", message);
  }
}

/** Too many failed attempts from one address; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends WellnessError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super("ERR_RATE_LIMITED", message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A turn was sent to a session that is still answering another; wait for it, or ask to enqueue. */
export class SessionBusyError extends WellnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_SESSION_BUSY", message, options);
  }
}

/** 1048576 -> "1 MiB", 65536 -> "64 KiB", 1000 -> "1000 bytes": sizes people read in messages. */
export function formatBytes(bytes: number): string {
  const units = ["GiB", "MiB", "KiB"] as const;
  for (const [index, unit] of units.entries()) {
    const size = 1024 ** (units.length - index);
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} bytes`;
}
