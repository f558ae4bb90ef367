/**
 * The server's auth (langgraph.json "auth"): API_TOKENS bearer tokens, owners on every record.
 * The environment (and .env) is read on the first request, never at import.
 */
export { auth } from "../src/agent-server/entry.js";
