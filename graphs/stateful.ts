/** The memory-aware agent, for LangGraph Studio and any LangGraph server (langgraph.json: "stateful"). */
export { stateful as graph } from "../src/agent-server/entry.js";
