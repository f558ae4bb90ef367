export { CircuitBreaker, type CircuitBreakerOptions, type CircuitBreakerSnapshot, type CircuitState } from "./breaker.js";
export {
  closeRedis,
  connectRedis,
  isCluster,
  isConnectionFailure,
  isRedisOutage,
  reconnectDelay,
  type ReconnectPolicy,
  type RedisClient,
  type RedisConnectionOptions,
} from "./client.js";
export {
  checkRedisHealth,
  detectCapabilities,
  pingLatency,
  serverInfo,
  type RedisCapabilities,
  type RedisHealth,
  type RedisHealthReport,
  type RedisServerInfo,
} from "./health.js";
export { isValidId, MAX_ID_LENGTH, validateId } from "./ids.js";
export { encodeKeySegment, KeySchema } from "./keys.js";
export { CLUSTER_SLOTS, keySlot } from "./slot.js";
export { answersPing, RedisServerProcess, type RedisServerProcessOptions } from "./server-process.js";
export { RedisScript } from "./script.js";
export { RedisLock, renewWhileHeld, type HeldLock } from "./lock.js";
