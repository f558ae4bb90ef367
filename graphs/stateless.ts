/** The baseline without memory or history (langgraph.json: "stateless"). */
export { stateless as graph } from "../src/agent-server/entry.js";
