import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { isAIMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { END, START, StateGraph } from "@langchain/langgraph";
import { silentLogger, type Logger } from "../logger.js";
import type { UserContext } from "../cache/user-context.js";
import type { LearningEntry } from "../learning/queue.js";
import type { Memory } from "../memory/index.js";
import { agentNode } from "./nodes/agent.js";
import { checkAnswerNode } from "./nodes/check-answer.js";
import { completedTurn } from "./nodes/record.js";
import type { CurrentUser } from "./caller.js";
import { retrieveMemoryNode } from "./nodes/retrieve-memory.js";
import { toolsNode } from "./nodes/tools.js";
import { graphSchemas } from "./schemas.js";
import { AgentState, type AgentStateType, type AgentUpdate } from "./state.js";
import { userAndSession } from "./nodes/turn.js";
import { plainNodeWiring } from "./plain-node-wiring.js";
import { Route } from "./route.js";
import { recordTurnOutcome, reportingTurnEnds } from "./turn-end.js";
import type { RunnableConfig } from "@langchain/core/runnables";

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
  /**
   * Called with each finished turn once its run has ended (checkpoint saved, answer streamed):
   * where learning from it is queued (a background task or the learning stream). It must not
   * block; nothing of it runs before the answer.
   */
  onTurnEnd?: (turn: LearningEntry) => void;
  /**
   * When checkpoints are written: "exit" (default) saves the thread once, when the run ends;
   * "async" after every step, for hosts that offer time travel through every step's checkpoint
   * (the LangGraph API server).
   */
  durability?: "exit" | "async";
  /** The cached profile and context line put in the prompt. */
  userContext?: UserContext;
  /** Set by hosts that authenticate callers: configurable.userId is then ignored (see runUser). */
  currentUser?: CurrentUser;
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

/** check_answer checks the final answer's numbers with the agent's model, time zone and clock. */
function checkOptions(options: GraphOptions) {
  return { model: options.model, timeZone: options.timeZone, ...(options.now ? { now: options.now } : {}) };
}

/**
 * The last node of a stateful turn, also leaving what the turn teaches for the end of its run
 * (see reportingTurnEnds): the state it starts from, for the user the run acts for (resolved from
 * the run's configuration as every node does), never the state's userId, which a client can
 * overwrite between runs.
 */
function endingTurn(node: (state: AgentStateType) => Promise<AgentUpdate>, currentUser?: CurrentUser) {
  return async (state: AgentStateType, config: RunnableConfig): Promise<AgentUpdate> => {
    const update = await node(state);
    // The answer as the model wrote it, without the check's "[unverified]" marks, is what learning reads.
    recordTurnOutcome(config, completedTurn(state, userAndSession(config, currentUser).userId));
    return update;
  };
}

/**
 * The StatefulRAGAgent: START -> retrieve_memory -> agent <-> tools, agent -> check_answer -> END.
 * The conversation persists in the checkpointer under thread_id (the session id), saved once when
 * the run ends (durability "exit", unless options.durability says otherwise); the user comes from
 * configurable.userId. What the turn teaches is handed to `onTurnEnd` after the run, off the
 * answer's path.
 *
 * @example
 * ```ts
 * const graph = createStatefulGraph({ checkpointer, model, memory, tools: Object.values(createHealthTools(deps)), timeZone });
 * await graph.invoke({ messages: [new HumanMessage("How did I sleep last week?")] }, { configurable: { thread_id: sessionId, userId } });
 * ```
 */
export function createStatefulGraph(options: StatefulGraphOptions) {
  const log = options.log ?? silentLogger;
  const graph = new StateGraph(AgentState, graphSchemas(options.defaultUserId))
    .addNode("retrieve_memory", retrieveMemoryNode(options.memory, log, options.userContext, options.currentUser))
    .addNode("agent", agentNode(agentOptions(options)))
    .addNode("tools", toolsNode(options.tools))
    .addNode("check_answer", endingTurn(checkAnswerNode(checkOptions(options)), options.currentUser))
    .addEdge(START, "retrieve_memory")
    .addEdge("retrieve_memory", "agent")
    .addConditionalEdges("agent", new Route(afterAgent), { tools: "tools", done: "check_answer" })
    .addEdge("check_answer", END)
    .addEdge("tools", "agent")
    .compile({ ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}), name: "stateful_agent" });
  plainNodeWiring(graph);
  const configured = graph.withConfig({ durability: options.durability ?? "exit" });
  return options.onTurnEnd ? reportingTurnEnds(configured, options.onTurnEnd) : configured;
}

/**
 * The baseline: the same model and the health tools only (give it no goal, memory or cache
 * tools), no memory, no checkpointer, no retrieval, nothing written: each call stands alone.
 */
export function createStatelessGraph(options: GraphOptions) {
  const agent = agentNode(agentOptions(options));
  const tools = toolsNode(options.tools);
  const graph = new StateGraph(AgentState, graphSchemas(options.defaultUserId))
    .addNode("agent", agent)
    .addNode("tools", tools)
    .addNode("check_answer", checkAnswerNode(checkOptions(options)))
    .addEdge(START, "agent")
    .addConditionalEdges("agent", new Route(afterAgent), { tools: "tools", done: "check_answer" })
    .addEdge("check_answer", END)
    .addEdge("tools", "agent")
    .compile({ name: "stateless_agent" });
  plainNodeWiring(graph);
  return graph;
}

