export { startAgentServer, type AgentServer, type AgentServerOptions } from "./server.js";
export { appLangGraphConfig, loadLangGraphConfig, applyLangGraphEnv, type LangGraphConfig, type LoadedLangGraphConfig } from "./langgraph-config.js";
export { bindGraphsToRedis, persistentView, SUPPORTED_API_VERSION, type GraphPersistence } from "./graph-persistence.js";
export { RedisOps, type RedisOpsOptions } from "./ops/index.js";
export { loopbackConversations, type Conversations, type ConversationSummary, type RunEvent, type TurnRequest } from "./conversations.js";
export { withRedisStoreApp, type RedisStoreLangGraphConfig } from "./store-wrapper.js";
export { redisStoreApp } from "./store-app.js";
