export {
  MessageCachingSerializer,
  RedisCheckpointSaver,
  SessionIndex,
  type MessageCachingSerializerOptions,
  type RedisCheckpointSaverOptions,
  type SessionEntry,
  type SessionIndexOptions,
} from "./checkpoint/index.js";
export { loadEnvFile } from "./env-file.js";
export { CONFIG_VARIABLES, DEFAULT_MEMORY_TTL_SECONDS, loadConfig, type Config, type Environment } from "./config.js";
export {
  CheckpointConfigError,
  CircuitOpenError,
  ConfigError,
  EmbeddingModelMismatchError,
  EmbeddingUnavailableError,
  ForbiddenOriginError,
  ImportError,
  MemoryNotFoundError,
  ModelUnavailableError,
  InvalidIdError,
  PayloadTooLargeError,
  RateLimitedError,
  RedisServerNotInstalledError,
  RedisUnavailableError,
  ServerStartError,
  SessionBusyError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  WellnessError,
  type ConfigIssue,
  type ErrorCode,
  type ImportErrorCode,
} from "./errors.js";
export * from "./agent/index.js";
export * from "./cache/index.js";
export * from "./coaching/index.js";
export * from "./health/index.js";
export * from "./learning/index.js";
export * from "./memory/index.js";
export * from "./events/index.js";
export * from "./instances/index.js";
export * from "./models/index.js";
export { createLogger, silentLogger, type Logger } from "./logger.js";
export * from "./redis/index.js";
export { createApp, type AppDependencies } from "./server/index.js";
export {
  chatModelFromConfig,
  checkpointerFromConfig,
  closeServedRuntime,
  connectionOptionsFrom,
  createRuntime,
  embeddingsFromConfig,
  installServedRuntime,
  memoryFromConfig,
  servedRuntime,
  wellnessAgentFromConfig,
  type AgentFromConfigOptions,
  type RuntimeOptions,
  type WellnessRuntime,
} from "./runtime/index.js";
export { startAgentServer, appLangGraphConfig, loadLangGraphConfig, type AgentServer, type AgentServerOptions } from "./agent-server/index.js";
export { RedisStore, type RedisStoreOptions } from "./store/index.js";
