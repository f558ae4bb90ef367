import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { RedisCheckpointSaver, SessionIndex } from "../checkpoint/index.js";
import { HealthStore } from "../health/store/health-store.js";
import { PendingIndexRepair } from "../health/store/index-repair.js";
import { silentLogger, type Logger } from "../logger.js";
import { KNOWLEDGE_PACK, type Memory } from "../memory/index.js";
import type { RedisClient } from "../redis/client.js";
import { validateId } from "../redis/ids.js";
import type { KeySchema } from "../redis/keys.js";
import { createStatefulGraph, createStatelessGraph } from "./graph.js";
import { liveTurn } from "./live-turn.js";
import type { SessionContextStore } from "./session-context.js";
import type { EventSink } from "../events/types.js";
import { CacheAside } from "../cache/cache.js";
import { AfterTurnTasks } from "../learning/after-turn.js";
import { LearningQueue, type LearningEntry } from "../learning/queue.js";
import { TurnLearner } from "../learning/turn-learner.js";
import { ToolOutputCache } from "../cache/tool-cache.js";
import { UserContext } from "../cache/user-context.js";
import type { CircuitBreaker } from "../redis/breaker.js";
import { createCacheTools, createHealthTools, createStatelessTools } from "./tools/index.js";

export { createStatefulGraph, createStatelessGraph, type GraphOptions, type StatefulGraphOptions } from "./graph.js";
export { callModel, ollamaChatModel, ollamaReachable, type OllamaChatModelOptions } from "./model.js";
export { AgentState, type AgentStateType, type TurnToolCall } from "./state.js";
export { checkNumbers, extractNumbers, isSupported, markUnsupported, type FaithfulnessResult, type FaithfulnessStatus, type StatedNumber } from "./faithfulness/index.js";
export { runTurn, type TurnResult, type TurnStreamable } from "./run-turn.js";
export { PeriodError, resolvePeriod, todayIn, type DateRange } from "./time-range.js";
export { createHealthTools, createStatelessTools, resolveMetric, STATELESS_TOOL_NAMES, TOOL_NAMES, ToolContextError, UnknownMetricError, type ToolDependencies, type ToolName } from "./tools/index.js";

export interface WellnessAgentOptions {
  /** A connected client from connectRedis; the caller owns and closes it. */
  redis: RedisClient;
  /** Where every key lives (the key prefix). */
  keys: KeySchema;
  /** The chat model the graphs call (`ollamaChatModel` in the app). */
  model: BaseChatModel;
  /** Long-term memory (episodic, semantic, procedural, interventions) on the same client. */
  memory: Memory;
  /** The stateful graph's checkpointer. */
  checkpointer: RedisCheckpointSaver;
  /** Each user's sessions: touched after every turn for the turn's authenticated user. */
  sessions: SessionIndex;
  /** The breaker the cache layer goes through. */
  breaker: CircuitBreaker;
  /** The user's IANA time zone, for "today" and "last week". */
  timeZone: string;
  /** Whom a run acts for when neither authentication nor the run's config names a user (library use). */
  defaultUserId: string;
  /** Seconds the derived health indexes live after an import or a repair rebuilds them (0: no expiry). */
  indexTtlSeconds: number;
  /** How long tool results stay cached: finished days, and ranges that include today. */
  toolCache: { pastTtlSeconds: number; todayTtlSeconds: number };
  /**
   * Where a finished turn is learned from (procedural memory, tool analytics, stated goals and
   * preferences), always after its answer: "direct" (default) in a background task of this
   * process (awaited by `close()`); "queue" by appending it to the learning stream for a
   * LearningWorker (`wellness worker`, or `wellness serve --worker`) given the chat model.
   */
  learning?: "direct" | "queue";
  /** The authenticated caller of the request being served, for runs whose config has no userId. */
  currentUser?: () => string | undefined;
  log?: Logger;
  /** Hears memory changes and finished runs (the event bus). */
  events?: EventSink;
  /** Keeps each session's context (last question, tools) after every turn. */
  sessionContexts?: SessionContextStore;
}

/**
 * The agent for code: the stateful graph on the Redis checkpointer and memory, its stateless
 * baseline, and shortcuts to run a turn of a session for a user. It takes its collaborators
 * ready-made; `wellnessAgentFromConfig` (src/runtime) builds them from the app's configuration.
 *
 * @example
 * ```ts
 * const keys = new KeySchema("wellness:");
 * const sessions = new SessionIndex(redis, keys);
 * const agent = createWellnessAgent({
 *   redis, keys, model,
 *   memory: new Memory({ client: redis, keys, embeddings: new LocalEmbeddings(), ttlSeconds: 0, embeddingCacheTtlSeconds: 86_400 }),
 *   checkpointer: new RedisCheckpointSaver(redis, { keys, sessionIndex: sessions }), sessions,
 *   breaker: new CircuitBreaker({ name: "cache", failureThreshold: 5, cooldownMs: 5_000 }),
 *   timeZone: "Europe/Paris", defaultUserId: "me",
 *   indexTtlSeconds: 0, toolCache: { pastTtlSeconds: 86_400, todayTtlSeconds: 300 },
 * });
 * const reply = await agent.invoke("session-1", "alice", "How did I sleep last week?");
 * ```
 */
export function createWellnessAgent(options: WellnessAgentOptions) {
  const { redis: client, keys, model, memory, breaker, timeZone, defaultUserId } = options;
  const log = options.log ?? silentLogger;
  const { checkpointer, sessions } = options;
  const cache = new CacheAside(client, keys, breaker);
  const toolCache = new ToolOutputCache(client, keys, cache, options.toolCache);
  // A read that finds an import's indexes-pending mark (the import died after its swap) starts a
  // background rebuild under the import lock; the tools meanwhile answer from the permanent data.
  const indexRepair = new PendingIndexRepair({ client, keys, indexTtlSeconds: options.indexTtlSeconds, log });
  const store = new HealthStore(client, keys, { onIndexesPending: (userId) => indexRepair.schedule(userId) });
  const userContext = new UserContext(cache, keys, store);
  const toolDeps = { client, keys, store, memory, timeZone, ...(options.currentUser ? { currentUser: options.currentUser } : {}) };
  const tools = [
    ...Object.values(createHealthTools({ ...toolDeps, toolCache })),
    ...Object.values(createCacheTools({ cache, toolCache, ...(options.currentUser ? { currentUser: options.currentUser } : {}) })),
  ];
  const stateless = { model, tools: createStatelessTools(toolDeps), timeZone, log, defaultUserId };
  const learningQueue = options.learning === "queue" ? new LearningQueue(client, keys) : undefined;
  const afterTurn = new AfterTurnTasks({ log });
  const learner = new TurnLearner({ memory, client, keys, model, timeZone });
  const live = options.events || options.sessionContexts ? liveTurn({ ...(options.events ? { events: options.events } : {}), ...(options.sessionContexts ? { contexts: options.sessionContexts } : {}), log }) : undefined;
  // The session's owner and last activity, for the turn's authenticated user (reflections and
  // `wellness chat --session` read them; the checkpointer records no owner itself). A session's
  // first turn announces it, however its thread was made (/api/chat, /threads, `wellness chat`).
  const recordSession = async (turn: LearningEntry): Promise<void> => {
    if (await sessions.touch(turn.userId, turn.sessionId)) options.events?.publish(turn.userId, { type: "session.created", sessionId: turn.sessionId, title: turn.query.slice(0, 80) });
  };
  const onTurnEnd = (turn: LearningEntry) => {
    // run.finished follows session.created, so a client hears of the session before its first run ends.
    if (turn.sessionId) afterTurn.run("record the session's activity", () => recordSession(turn).finally(() => live?.(turn)));
    else live?.(turn);
    afterTurn.run(learningQueue ? "queue the turn for learning" : "learn from the turn", () => (learningQueue ? learningQueue.enqueue(turn) : learner.learn(turn)));
  };
  const buildStateful = (durability: "exit" | "async" = "exit") =>
    createStatefulGraph({
      durability,
      model,
      tools,
      timeZone,
      log,
      defaultUserId,
      memory,
      checkpointer,
      onTurnEnd,
      userContext,
      ...(options.currentUser ? { currentUser: options.currentUser } : {}),
    });
  const graph = buildStateful();
  const statelessGraph = createStatelessGraph(stateless);
  const runConfig = (sessionId: string, userId: string) => ({
    configurable: { thread_id: validateId("session id", sessionId), userId: validateId("user id", userId) },
  });
  return {
    graph,
    statelessGraph,
    memory,
    sessions,
    checkpointer,
    cache,
    toolCache,
    learningQueue,
    userContext,
    /** Learning from finished turns still running in this process. */
    afterTurn,
    /** Index repairs started by reads that found an interrupted import's pending mark. */
    indexRepair,
    /** Waits for what finished turns left to do, index repairs and memory's counter writes (call before closing the Redis client). */
    async close(): Promise<void> {
      await Promise.all([afterTurn.drain(), indexRepair.drain()]);
      await memory.drain();
    },
    /**
     * Loads the built-in health knowledge pack into semantic memory (idempotent: facts have
     * content-hash ids, and their embeddings are cached). Returns how many facts are loaded.
     */
    async loadKnowledge(): Promise<number> {
      return (await memory.semantic.load(KNOWLEDGE_PACK)).length;
    },
    /**
     * Fresh instances of both graphs, for a host that reconfigures the graphs it is given (the
     * LangGraph API server sets their checkpointer), so the agent's own graphs stay as they are.
     * The stateful one checkpoints every step there, for the API's history and time travel.
     */
    buildGraphs() {
      return { stateful: buildStateful("async"), stateless: createStatelessGraph(stateless) };
    },
    /** Runs one turn and returns the agent's answer. */
    async invoke(sessionId: string, userId: string, message: string): Promise<{ answer: string; messages: BaseMessage[] }> {
      const state = await graph.invoke({ messages: [new HumanMessage(message)] }, runConfig(sessionId, userId));
      const last = state.messages.at(-1);
      return { answer: typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? ""), messages: state.messages };
    },
    /** Streams one turn: model tokens ("messages") and node updates ("updates"). */
    stream(sessionId: string, userId: string, message: string) {
      return graph.stream({ messages: [new HumanMessage(message)] }, { ...runConfig(sessionId, userId), streamMode: ["messages", "updates"] as const });
    },
  };
}

export type WellnessAgent = ReturnType<typeof createWellnessAgent>;
