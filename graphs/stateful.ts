import { studioAgent } from "./runtime.js";

/** The memory-aware agent, for LangGraph Studio and the LangGraph server (langgraph.json: "stateful"). */
export const graph = async () => (await studioAgent()).graph;
