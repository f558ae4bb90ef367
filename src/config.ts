import { SERVER_PROCESSES_EXPECTED, serverProcessCount } from "./process-count.js";
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { isValidId } from "./redis/ids.js";

/** Seven months: the retention the seed documents give every TTL'd index and memory. */
export const DEFAULT_MEMORY_TTL_SECONDS = 210 * 24 * 60 * 60;

/** Default embedding model name per provider, used when EMBEDDING_MODEL is not set. */
export const DEFAULT_EMBEDDING_MODELS = {
  local: "universal-sentence-encoder-lite",
  ollama: "mxbai-embed-large",
} as const;

export type EmbeddingProvider = keyof typeof DEFAULT_EMBEDDING_MODELS;
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The application's settings, parsed once from the environment and frozen. */
export interface Config {
  readonly redis: {
    readonly url: string;
    readonly clusterNodes: readonly string[];
    readonly keyPrefix: string;
    readonly connectTimeoutMs: number;
    readonly commandTimeoutMs: number;
    readonly reconnectMaxDelayMs: number;
    readonly breakerFailureThreshold: number;
    readonly breakerCooldownMs: number;
    readonly localAutostart: boolean;
    readonly localDataDir: string;
  };
  readonly memoryTtlSeconds: number;
  /** How long a piece of advice is kept once its outcome is known (INTERVENTION_TTL_SECONDS). */
  readonly interventionTtlSeconds: number;
  /** Days after a piece of advice before its outcome is measured (INTERVENTION_WINDOW_DAYS). */
  readonly interventionWindowDays: number;
  /** The worker's coaching pass: outcome checks and reflections on sessions idle this long. */
  readonly coaching: { readonly intervalSeconds: number; readonly reflectionIdleMinutes: number };
  readonly toolCache: { readonly pastTtlSeconds: number; readonly todayTtlSeconds: number };
  readonly checkpoints: {
    readonly maxPerThread: number;
    readonly refreshOnRead: boolean;
    readonly maxSessionsPerIndex: number;
  };
  /** The live system: events kept per user, and how often each process says it is alive. */
  readonly live: { readonly eventsRetention: number; readonly heartbeatMs: number };
  readonly embeddingCacheTtlSeconds: number;
  readonly ollama: { readonly baseUrl: string; readonly model: string };
  readonly embedding: { readonly provider: EmbeddingProvider; readonly model: string };
  readonly defaultUserId: string;
  readonly userTimezone: string;
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** Bearer token -> user id. Empty: single-user mode, loopback only. */
    readonly apiTokens: ReadonlyMap<string, string>;
    /** Runs this process executes at once (the Agent Server's queue workers). */
    readonly runWorkers: number;
    /** Server processes `wellness serve` runs on its one port (SERVER_PROCESSES; "auto" is one per core). */
    readonly processes: number;
    /** Origins a browser page may call the API from (LangGraph Studio's); none by default. */
    readonly corsOrigins: readonly string[];
    /** The built web app served at `/`; dist/web of the package when unset. */
    readonly webRoot: string | undefined;
  };
  /** Sizes past which a request is refused with a 413 (or 400) naming the variable to raise. */
  readonly limits: {
    readonly jsonBodyBytes: number;
    readonly metadataBytes: number;
    readonly messageChars: number;
    readonly uploadBytes: number;
  };
  /** With API tokens: this many failed authentications from one address in the window get 429. */
  readonly authFailures: { readonly limit: number; readonly windowSeconds: number };
  readonly logLevel: LogLevel;
}

/** Default size limits (bytes, characters). */
export const DEFAULT_LIMITS = {
  jsonBodyBytes: 1024 * 1024,
  metadataBytes: 64 * 1024,
  messageChars: 32_000,
  uploadBytes: 4 * 1024 ** 3,
} as const;

export type Environment = Readonly<Record<string, string | undefined>>;

const REDIS_URL_HINT = "a redis:// or rediss:// URL such as redis://user:password@127.0.0.1:6379/0";

function redisUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`expected ${REDIS_URL_HINT}`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new Error(`expected ${REDIS_URL_HINT}; the scheme '${url.protocol}' is not redis: or rediss:`);
  }
  if (url.hostname === "") {
    throw new Error(`expected ${REDIS_URL_HINT}; the host is missing`);
  }
  const db = url.pathname.replace(/^\//u, "");
  if (db !== "" && !/^\d{1,5}$/u.test(db)) {
    throw new Error(`expected ${REDIS_URL_HINT}; the database '${db}' is not a number`);
  }
  return value;
}

function clusterNode(entry: string): string {
  const candidate = /^[a-z]+:\/\//iu.test(entry) ? entry : `redis://${entry}`;
  const url = redisUrl(candidate);
  if (new URL(url).port === "") {
    throw new Error(`cluster node '${entry}' needs a port (host:port)`);
  }
  return url;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/u, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { message: `expected a whole number from ${min} to ${max}` })
        .max(max, { message: `expected a whole number from ${min} to ${max}` }),
    );

const boolean = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(z.enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" }))
  .transform((value) => value === "true" || value === "1" || value === "yes");

const guarded = <T>(parse: (value: string) => T) =>
  z.string().transform((value, context) => {
    try {
      return parse(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });

/** SERVER_PROCESSES: see serverProcessCount. */
const serverProcesses = z.string().transform((value, context) => {
  const count = serverProcessCount(value);
  if (count !== undefined) return count;
  context.addIssue({ code: "custom", message: SERVER_PROCESSES_EXPECTED });
  return z.NEVER;
});

/** Each variable's schema; a missing or empty variable takes the default. */
const variables = {
  REDIS_URL: guarded(redisUrl).default("redis://127.0.0.1:6379"),
  REDIS_CLUSTER_NODES: guarded((value) =>
    value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "")
      .map(clusterNode),
  ).default([]),
  REDIS_KEY_PREFIX: z
    .string()
    .max(64, { message: "expected at most 64 characters" })
    .regex(/^[^\s{}*?[\]\\]*$/u, {
      message: "expected no whitespace and none of { } * ? [ ] \\ (for example 'wellness:')",
    })
    .default(""),
  REDIS_CONNECT_TIMEOUT_MS: integer(100, 120_000).default(5_000),
  REDIS_COMMAND_TIMEOUT_MS: integer(10, 600_000).default(5_000),
  REDIS_RECONNECT_MAX_DELAY_MS: integer(50, 300_000).default(5_000),
  REDIS_BREAKER_FAILURE_THRESHOLD: integer(1, 1_000).default(5),
  REDIS_BREAKER_COOLDOWN_MS: integer(100, 3_600_000).default(10_000),
  REDIS_LOCAL_AUTOSTART: boolean.default(true),
  REDIS_LOCAL_DATA_DIR: z.string().min(1).default(".data/redis"),
  MEMORY_TTL_SECONDS: integer(60, 10 * 365 * 24 * 60 * 60).default(DEFAULT_MEMORY_TTL_SECONDS),
  EMBEDDING_CACHE_TTL_SECONDS: integer(1, 30 * 24 * 60 * 60).default(3_600),
  INTERVENTION_TTL_SECONDS: integer(60, 10 * 365 * 24 * 60 * 60).default(90 * 24 * 60 * 60),
  INTERVENTION_WINDOW_DAYS: integer(1, 365).default(14),
  COACHING_INTERVAL_SECONDS: integer(1, 24 * 60 * 60).default(60),
  REFLECTION_IDLE_MINUTES: integer(1, 7 * 24 * 60).default(30),
  TOOL_CACHE_TTL_SECONDS: integer(0, 30 * 24 * 60 * 60).default(3_600),
  TOOL_CACHE_TODAY_TTL_SECONDS: integer(0, 24 * 60 * 60).default(300),
  CHECKPOINT_MAX_PER_THREAD: integer(0, 1_000_000).default(0),
  CHECKPOINT_REFRESH_ON_READ: boolean.default(true),
  SESSION_INDEX_MAX: integer(1, 1_000_000).default(1_000),
  EVENTS_RETENTION: integer(10, 10_000_000).default(10_000),
  INSTANCE_HEARTBEAT_MS: integer(50, 600_000).default(5_000),
  OLLAMA_BASE_URL: z
    .url({ protocol: /^https?$/u, message: "expected an http:// or https:// URL such as http://localhost:11434" })
    .default("http://localhost:11434"),
  OLLAMA_MODEL: z.string().min(1).default("qwen2.5:7b"),
  EMBEDDING_PROVIDER: z
    .enum(["local", "ollama"], { message: "expected 'local' or 'ollama'" })
    .default("local"),
  EMBEDDING_MODEL: z.string().min(1).optional(),
  DEFAULT_USER_ID: z
    .string()
    .refine(isValidId, {
      message: "expected 1-128 characters without control characters or any of { } * ? [ ] \\",
    })
    .default("default"),
  USER_TIMEZONE: z
    .string()
    .refine(isTimeZone, { message: "expected an IANA time zone name such as Europe/Berlin or America/Los_Angeles" })
    .optional(),
  HOST: z.string().min(1).default("127.0.0.1"),
  API_TOKENS: guarded((value) => {
    const tokens = new Map<string, string>();
    for (const entry of value.split(",").map((part) => part.trim()).filter(Boolean)) {
      const separator = entry.lastIndexOf(":");
      const token = entry.slice(0, separator);
      const user = entry.slice(separator + 1);
      if (separator < 1 || token.length < 16 || !isValidId(user)) {
        throw new Error("expected token:user pairs separated by commas, each token at least 16 characters, e.g. 9f8e7d6c5b4a39281706:alice");
      }
      tokens.set(token, user);
    }
    return tokens;
  }).default(new Map<string, string>()),
  PORT: integer(0, 65_535).default(8_000),
  RUN_WORKERS: integer(1, 256).default(10),
  SERVER_PROCESSES: serverProcesses.default(1),
  WEB_ROOT: z.string().min(1, "expected the directory of a built web app (vite build output)").optional(),
  CORS_ORIGINS: guarded((value) =>
    value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "")
      .map((entry) => {
        if (entry !== "*" && !/^https?:\/\/[^/\s]+$/u.test(entry)) throw new Error(`expected origins such as https://smith.langchain.com, got '${entry}'`);
        return entry;
      }),
  ).default([]),
  MAX_JSON_BODY_BYTES: integer(1_024, 1024 ** 3).default(DEFAULT_LIMITS.jsonBodyBytes),
  MAX_METADATA_BYTES: integer(256, 1024 ** 3).default(DEFAULT_LIMITS.metadataBytes),
  MAX_MESSAGE_CHARS: integer(1, 10_000_000).default(DEFAULT_LIMITS.messageChars),
  MAX_UPLOAD_BYTES: integer(1_024, 1024 ** 4).default(DEFAULT_LIMITS.uploadBytes),
  AUTH_FAILURE_LIMIT: integer(1, 1_000_000).default(10),
  AUTH_FAILURE_WINDOW_SECONDS: integer(1, 86_400).default(300),
  LOG_LEVEL: z
    .enum(["debug", "info", "warn", "error"], { message: "expected debug, info, warn or error" })
    .default("info"),
};

/** The names of every setting the app reads, for documentation and tests. */
export const CONFIG_VARIABLES = Object.keys(variables) as (keyof typeof variables)[];

const environmentSchema = z.object(variables);

function deepFreeze<T>(value: T): T {
  if (value instanceof Map) return value;
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses the settings from an environment (normally `process.env`). This is the only place the
 * app reads environment variables. Empty values count as unset.
 *
 * @throws {ConfigError} naming every invalid variable and what it accepts.
 * @example
 * ```ts
 * const config = loadConfig();
 * const redis = await createRedisConnection(redisOptionsFrom(config));
 * ```
 */
export function loadConfig(env: Environment = process.env): Config {
  const input: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== "") input[name] = value;
  }
  const parsed = environmentSchema.safeParse(input);
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "environment");
      const received = input[variable];
      const shown = received === undefined || variable === "API_TOKENS" ? "" : ` (got '${redact(received)}')`;
      return { variable, message: `${issue.message}${shown}` };
    });
    throw new ConfigError(issues, { cause: parsed.error });
  }
  const v = parsed.data;
  return deepFreeze({
    redis: {
      url: v.REDIS_URL,
      clusterNodes: v.REDIS_CLUSTER_NODES,
      keyPrefix: v.REDIS_KEY_PREFIX,
      connectTimeoutMs: v.REDIS_CONNECT_TIMEOUT_MS,
      commandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS,
      reconnectMaxDelayMs: v.REDIS_RECONNECT_MAX_DELAY_MS,
      breakerFailureThreshold: v.REDIS_BREAKER_FAILURE_THRESHOLD,
      breakerCooldownMs: v.REDIS_BREAKER_COOLDOWN_MS,
      localAutostart: v.REDIS_LOCAL_AUTOSTART,
      localDataDir: v.REDIS_LOCAL_DATA_DIR,
    },
    memoryTtlSeconds: v.MEMORY_TTL_SECONDS,
    interventionTtlSeconds: v.INTERVENTION_TTL_SECONDS,
    interventionWindowDays: v.INTERVENTION_WINDOW_DAYS,
    coaching: { intervalSeconds: v.COACHING_INTERVAL_SECONDS, reflectionIdleMinutes: v.REFLECTION_IDLE_MINUTES },
    toolCache: { pastTtlSeconds: v.TOOL_CACHE_TTL_SECONDS, todayTtlSeconds: v.TOOL_CACHE_TODAY_TTL_SECONDS },
    checkpoints: {
      maxPerThread: v.CHECKPOINT_MAX_PER_THREAD,
      refreshOnRead: v.CHECKPOINT_REFRESH_ON_READ,
      maxSessionsPerIndex: v.SESSION_INDEX_MAX,
    },
    live: { eventsRetention: v.EVENTS_RETENTION, heartbeatMs: v.INSTANCE_HEARTBEAT_MS },
    embeddingCacheTtlSeconds: v.EMBEDDING_CACHE_TTL_SECONDS,
    ollama: { baseUrl: v.OLLAMA_BASE_URL, model: v.OLLAMA_MODEL },
    embedding: {
      provider: v.EMBEDDING_PROVIDER,
      model: v.EMBEDDING_MODEL ?? DEFAULT_EMBEDDING_MODELS[v.EMBEDDING_PROVIDER],
    },
    defaultUserId: v.DEFAULT_USER_ID,
    userTimezone: v.USER_TIMEZONE ?? systemTimeZone(),
    server: { host: v.HOST, port: v.PORT, apiTokens: v.API_TOKENS, runWorkers: v.RUN_WORKERS, processes: v.SERVER_PROCESSES, corsOrigins: v.CORS_ORIGINS, webRoot: v.WEB_ROOT },
    limits: {
      jsonBodyBytes: v.MAX_JSON_BODY_BYTES,
      metadataBytes: v.MAX_METADATA_BYTES,
      messageChars: v.MAX_MESSAGE_CHARS,
      uploadBytes: v.MAX_UPLOAD_BYTES,
    },
    authFailures: { limit: v.AUTH_FAILURE_LIMIT, windowSeconds: v.AUTH_FAILURE_WINDOW_SECONDS },
    logLevel: v.LOG_LEVEL,
  });
}

/** Hides a password in a URL so it never reaches a log or an error message. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/u, "//$1:***@");
}
