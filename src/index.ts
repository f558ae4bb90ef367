export {
  checkpointerFromConfig,
  RedisCheckpointSaver,
  SessionIndex,
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
  ImportError,
  MemoryNotFoundError,
  ModelUnavailableError,
  InvalidIdError,
  RedisServerNotInstalledError,
  RedisUnavailableError,
  ServerStartError,
  UnauthorizedError,
  ValidationError,
  WellnessError,
  type ConfigIssue,
} from "./errors.js";
export * from "./agent/index.js";
export * from "./cache/index.js";
export * from "./health/index.js";
export * from "./learning/index.js";
export * from "./memory/index.js";
export * from "./events/index.js";
export * from "./instances/index.js";
export * from "./models/index.js";
export { createLogger, silentLogger, type Logger } from "./logger.js";
export * from "./redis/index.js";
export { createApp, type AppDependencies } from "./server/index.js";
