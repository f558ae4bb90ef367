import { studioAgent } from "./runtime.js";

/** The baseline without memory or history (langgraph.json: "stateless"). */
export const graph = async () => (await studioAgent()).statelessGraph;
