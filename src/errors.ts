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
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
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

/** An id that would reach a Redis key is empty, too long, or holds a forbidden character. */
export class InvalidIdError extends WellnessError {
  readonly field: string;

  constructor(field: string, reason: string) {
    super(
      "ERR_INVALID_ID",
      `Invalid ${field}: ${reason}. Ids are 1-128 characters without control characters or any of { } * ? [ ] \\.`,
    );
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
 * ERR_IMPORT_UNSUPPORTED_FORMAT, ERR_IMPORT_IN_PROGRESS.
 */
export class ImportError extends WellnessError {
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; line?: number; column?: number }) {
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

/** A turn was sent to a session that is still answering another; wait for it, or ask to enqueue. */
export class SessionBusyError extends WellnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ERR_SESSION_BUSY", message, options);
  }
}
