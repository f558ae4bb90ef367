/** The app's routes (langgraph.json "http.app"): the web page, /health, /api/* and /store on Redis. */
export { app } from "../src/agent-server/entry.js";
