import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { isAIMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { END, START, StateGraph } from "@langchain/langgraph";
import { silentLogger, type Logger } from "../logger.js";
import type { UserContext } from "../cache/user-context.js";
import type { LearningQueue } from "../learning/queue.js";
import type { Memory } from "../memory/index.js";
import { agentNode } from "./nodes/agent.js";
import { recordNode } from "./nodes/record.js";
import { retrieveMemoryNode } from "./nodes/retrieve-memory.js";
import { toolsNode } from "./nodes/tools.js";
import { graphSchemas } from "./schemas.js";
import { AgentState, type AgentStateType } from "./state.js";

export interface GraphOptions {
  /** The chat model (ChatOllama by default in the app; a scripted model in tests). */
  model: BaseChatModel;
  tools: readonly StructuredToolInterface[];
  /** USER_TIMEZONE. */
  timeZone: string;
  maxToolRounds?: number;
  historyTokenBudget?: number;
  now?: () => Date;
  log?: Logger;
  /** DEFAULT_USER_ID, shown as the default of the user field in the graphs' configuration schema. */
  defaultUserId?: string;
}

export interface StatefulGraphOptions extends GraphOptions {
  /** Where conversations persist (thread_id = session id); a RedisCheckpointSaver in the app. */
  checkpointer?: BaseCheckpointSaver;
  memory: Memory;
  /** When given, turns are recorded by appending to the learning stream (a worker does the rest). */
  learningQueue?: LearningQueue;
  /** The cached profile and context line put in the prompt. */
  userContext?: UserContext;
  /** The authenticated caller of the request being served (see userAndSession). */
  currentUser?: () => string | undefined;
}

/** Tools when the model asked for them, otherwise the turn is done. */
function afterAgent(state: { messages: AgentStateType["messages"] }): "tools" | "done" {
  const last = state.messages.at(-1);
  return last && isAIMessage(last) && (last.tool_calls?.length ?? 0) > 0 ? "tools" : "done";
}

function agentOptions(options: GraphOptions) {
  return {
    model: options.model,
    tools: options.tools,
    timeZone: options.timeZone,
    maxToolRounds: options.maxToolRounds ?? 5,
    historyTokenBudget: options.historyTokenBudget ?? 6_000,
    ...(options.now ? { now: options.now } : {}),
  };
}

/**
 * The StatefulRAGAgent: START -> retrieve_memory -> agent <-> tools, agent -> record -> END.
 * The conversation persists in the checkpointer under thread_id (the session id); the user comes
 * from configurable.userId.
 *
 * @example
 * ```ts
 * const graph = createStatefulGraph({ checkpointer, model, memory, tools: Object.values(createHealthTools(deps)), timeZone });
 * await graph.invoke({ messages: [new HumanMessage("How did I sleep last week?")] }, { configurable: { thread_id: sessionId, userId } });
 * ```
 */
export function createStatefulGraph(options: StatefulGraphOptions) {
  const log = options.log ?? silentLogger;
  return new StateGraph(AgentState, graphSchemas(options.defaultUserId))
    .addNode("retrieve_memory", retrieveMemoryNode(options.memory, log, options.userContext, options.currentUser))
    .addNode("agent", agentNode(agentOptions(options)))
    .addNode("tools", toolsNode(options.tools))
    .addNode("record", recordNode(options.memory, options.model, log, options.learningQueue))
    .addEdge(START, "retrieve_memory")
    .addEdge("retrieve_memory", "agent")
    .addConditionalEdges("agent", afterAgent, { tools: "tools", done: "record" })
    .addEdge("tools", "agent")
    .addEdge("record", END)
    .compile({ ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}), name: "stateful_agent" });
}

/** The baseline: the same model and tools, no memory and no checkpointer (each call stands alone). */
export function createStatelessGraph(options: GraphOptions) {
  const agent = agentNode(agentOptions(options));
  const tools = toolsNode(options.tools);
  return new StateGraph(AgentState, graphSchemas(options.defaultUserId))
    .addNode("agent", agent)
    .addNode("tools", tools)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", afterAgent, { tools: "tools", done: END })
    .addEdge("tools", "agent")
    .compile({ name: "stateless_agent" });
}

