import { lazyBearerTokenAuth } from "../src/agent-server/auth.js";
import { loadConfig } from "../src/config.js";
import { loadEnvFile } from "../src/env-file.js";

/**
 * The Agent Server's auth (langgraph.json "auth"): API_TOKENS bearer tokens, owners on every
 * record. The environment (and .env) is read on the first request, never at import.
 */
export const auth = lazyBearerTokenAuth(() => {
  loadEnvFile();
  const config = loadConfig();
  return { tokens: config.server.apiTokens, defaultUser: config.defaultUserId };
});
