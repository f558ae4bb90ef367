import { bearerTokenAuth } from "../src/agent-server/auth.js";
import { loadConfig } from "../src/config.js";

const config = loadConfig();

/** The Agent Server's auth (langgraph.json "auth"): API_TOKENS bearer tokens, owners on every record. */
export const auth = bearerTokenAuth(config.server.apiTokens, config.defaultUserId);
