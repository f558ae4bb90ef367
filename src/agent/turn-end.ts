import type { RunnableConfig } from "@langchain/core/runnables";
import type { LearningEntry } from "../learning/queue.js";

/** The configurable key under which a run carries its {@link TurnOutcome}; set by the graph itself, never by a client. */
const OUTCOME_KEY = "__wellness_turn_outcome";

/** What a running turn taught, left by its last node for the moment the whole run has ended. */
class TurnOutcome {
  turn: LearningEntry | undefined;
}

/**
 * Called by the last node of a turn with what the turn teaches: kept for the end of the run,
 * when the graph hands it to `onTurnEnd` (see {@link reportingTurnEnds}). A run that carries no
 * outcome (a graph built without `onTurnEnd`) records nothing.
 */
export function recordTurnOutcome(config: RunnableConfig | undefined, turn: LearningEntry | undefined): void {
  const outcome: unknown = config?.configurable?.[OUTCOME_KEY];
  if (outcome instanceof TurnOutcome) outcome.turn = turn;
}

/** The part of a compiled graph that every way of running it goes through, and its copies. */
interface RunnableGraph {
  _streamIterator(input: never, options?: never): AsyncGenerator<unknown>;
  withConfig(config: never): unknown;
}

/**
 * Makes `graph` hand each finished turn to `onTurnEnd` once its run has ended: the final
 * checkpoint is saved and every chunk streamed, so learning from the turn never delays the
 * answer. A run that fails, is interrupted or is abandoned by its reader records nothing.
 *
 * invoke, stream and streamEvents (the LangGraph API server's worker) all run the graph through
 * `_streamIterator`, so wrapping it covers every host. Each run gets its own outcome in its
 * configurable, which the last node fills; a client-supplied value under the same key is
 * replaced. Unlike a callback handler, which LangChain calls for every runnable, model token and
 * tool of the run, this costs one object per run.
 *
 * @example
 * ```ts
 * const graph = reportingTurnEnds(builder.compile({ checkpointer }), (turn) => tasks.run("learn", () => learner.learn(turn)));
 * ```
 */
export function reportingTurnEnds<G extends RunnableGraph>(graph: G, onTurnEnd: (turn: LearningEntry) => void): G {
  const streamIterator = graph._streamIterator.bind(graph) as (input: unknown, options?: Partial<RunnableConfig>) => AsyncGenerator<unknown>;
  const withConfig = graph.withConfig.bind(graph) as (config: unknown) => G;
  async function* reportingStreamIterator(input: unknown, options?: Partial<RunnableConfig>): AsyncGenerator<unknown> {
    const outcome = new TurnOutcome();
    yield* streamIterator(input, { ...options, configurable: { ...options?.configurable, [OUTCOME_KEY]: outcome } });
    if (outcome.turn) onTurnEnd(outcome.turn);
  }
  Object.defineProperties(graph, {
    _streamIterator: { value: reportingStreamIterator, configurable: true, writable: true },
    // A copy with other defaults (withConfig builds a new graph from this one's fields) reports too.
    withConfig: { value: (config: unknown) => reportingTurnEnds(withConfig(config), onTurnEnd), configurable: true, writable: true },
  });
  return graph;
}
