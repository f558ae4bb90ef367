export { startAgentServer, type AgentServer, type AgentServerOptions } from "./server.js";
export { loadLangGraphConfig, applyLangGraphEnv, type LangGraphConfig, type LoadedLangGraphConfig } from "./langgraph-config.js";
export { bindGraphsToRedis, persistentView, SUPPORTED_API_VERSION, type GraphPersistence } from "./graph-persistence.js";
export { RedisOps, type RedisOpsOptions } from "./ops/index.js";
