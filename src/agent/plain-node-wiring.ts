import { Runnable, type RunnableConfig } from "@langchain/core/runnables";
import { isCommand, Send } from "@langchain/langgraph";

/** Marks a node already rewired: copies of a graph (withConfig) share its nodes. */
const WIRED = Symbol("plainNodeWiring");

/**
 * The parts of a compiled LangGraph graph this module rewires. They are public fields of
 * LangGraph's Pregel, PregelNode, ChannelWrite and RunnableCallable classes; only ChannelWrite
 * and RunnableCallable are not exported by name, so they are recognised by their fields.
 */
interface WiredGraph {
  nodes: Record<string, { writers: Runnable[]; getWriters(): Runnable[]; [WIRED]?: true }>;
}

/** A LangGraph RunnableCallable: `func` is what its `invoke` runs, inside a context of its own. */
interface Callable {
  func: (input: unknown, config?: RunnableConfig) => unknown;
  trace: boolean;
  recurse: boolean;
  name?: string;
}

/** A LangGraph ChannelWrite: a Callable whose writes may each map the node's output with a runnable. */
interface ChannelWriteLike extends Callable {
  writes: { mapper?: unknown }[];
}

/** The writer that LangGraph's StateGraph puts after every node to route a returned Command or Send. */
const BRANCH_RUN = "<branch_run>";

function isCallable(value: unknown): value is Callable {
  const fields = value as Partial<Callable> | undefined;
  return Runnable.isRunnable(value) && typeof fields?.func === "function" && typeof fields.trace === "boolean" && typeof fields.recurse === "boolean";
}

function isChannelWrite(value: unknown): value is ChannelWriteLike {
  return isCallable(value) && Array.isArray((value as Partial<ChannelWriteLike>).writes);
}

/**
 * Makes an untraced callable's `invoke` call its function with the config it is given, without
 * the AsyncLocalStorage context (callback manager, run tree) that LangGraph enters for it. Only
 * for functions that read their config from the argument, never from the context: LangGraph's
 * channel writers, state-update mappers and edge routers.
 */
function runDirectly(callable: Callable): void {
  if (callable.trace) return;
  const { func, recurse } = callable;
  Object.defineProperty(callable, "invoke", {
    configurable: true,
    writable: true,
    value: async (input: unknown, config?: RunnableConfig) => {
      const output = await func(input, config ?? {});
      return recurse && Runnable.isRunnable(output) ? output.invoke(input, config) : output;
    },
  });
}

/** Whether a node's output is one LangGraph's Command router acts on: a Send, a Command, or a list holding a Command. */
function routed(output: unknown): boolean {
  return output instanceof Send || isCommand(output) || (Array.isArray(output) && output.some((item) => isCommand(item)));
}

/**
 * Lets LangGraph's Command router run only for an output it acts on: a node's plain update
 * passes through without it, while a Command given to `updateState` (the API's state updates
 * with `goto`), or returned by a node, is routed as LangGraph routes it.
 */
function routeCommandsOnly(router: Runnable): void {
  const invoke = router.invoke.bind(router);
  Object.defineProperty(router, "invoke", {
    configurable: true,
    writable: true,
    value: (input: unknown, config?: RunnableConfig) => (routed(input) ? invoke(input, config) : Promise.resolve(input)),
  });
}

/**
 * Rewires a compiled StateGraph so that a step whose node returns a plain state update enters
 * one runnable context, the node's, instead of about six.
 *
 * LangGraph runs a node as a sequence: the node, then its writers, each a runnable with its own
 * AsyncLocalStorage context, callback manager and LangSmith run tree (about a fifth of a turn's
 * server CPU went to setting these up; docs/benchmarks.md). StateGraph gives every node a writer
 * that routes a returned Command or Send (two contexts per step, whatever the node returned), and
 * maps the node's update to channel writes through a runnable of its own. This runs that router
 * only for a Command or Send (one given to `updateState` included), moves it after the node's
 * channel writers so that LangGraph's merge of adjacent writers happens once here rather than at
 * every step, and runs the writers, mappers and edge routers without a context: they take their
 * config as an argument. The nodes themselves keep theirs, which the chat model, the tools and
 * the `messages` stream mode rely on. Edges, conditional edges, Commands, checkpoints, streaming
 * and the drawn graph are unchanged.
 *
 * Returns whether the graph is now so wired: it had the layout this expects (LangGraph 1.x: the
 * state writer, then the Command router, then edges), or was wired before (a second call changes
 * nothing). A graph laid out otherwise is left as it is, which is correct, only slower, and a test
 * says so.
 *
 * @example
 * ```ts
 * const graph = new StateGraph(AgentState).addNode("agent", agent).addEdge(START, "agent").compile();
 * plainNodeWiring(graph); // true
 * ```
 */
export function plainNodeWiring(graph: unknown): boolean {
  const nodes = Object.values((graph as Partial<WiredGraph>).nodes ?? {});
  const layouts = nodes.map((node) => {
    const [state, router] = node.writers;
    return node[WIRED] === true || (isChannelWrite(state) && isCallable(router) && !isChannelWrite(router) && router.name === BRANCH_RUN);
  });
  if (nodes.length === 0 || layouts.includes(false)) return false;
  for (const node of nodes) {
    if (node[WIRED]) continue;
    Object.defineProperty(node, WIRED, { value: true });
    const [router] = node.writers.splice(1, 1) as [Runnable];
    // Channel writers first (merged), then the Command router, then the conditional edges' routers:
    // each writer passes the node's output on unchanged, and they write distinct channels.
    const writers = node.getWriters();
    const channelWriters = writers.filter((writer) => isChannelWrite(writer));
    node.writers = [...channelWriters, router, ...writers.filter((writer) => !isChannelWrite(writer))];
    routeCommandsOnly(router);
    for (const writer of node.writers) {
      if (writer === router) continue;
      if (!isCallable(writer)) continue;
      runDirectly(writer);
      if (!isChannelWrite(writer)) continue;
      for (const write of writer.writes) if (isCallable(write.mapper)) runDirectly(write.mapper);
    }
  }
  return true;
}
