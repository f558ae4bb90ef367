import { Runnable } from "@langchain/core/runnables";

/**
 * A conditional edge's routing function, as a runnable that LangGraph calls directly. Given a
 * plain function, LangGraph wraps it in a RunnableLambda, which builds a callback manager, a run
 * tree and (with any handler present, as the `messages` stream mode adds one) a traced child run
 * every time the agent node finishes; a choice between two next nodes needs none of that.
 *
 * @example
 * ```ts
 * builder.addConditionalEdges("agent", new Route(afterAgent), { tools: "tools", done: "check_answer" });
 * ```
 */
export class Route<State, Next extends string> extends Runnable<State, Next> {
  lc_namespace = ["wellness", "agent"];

  constructor(private readonly decide: (state: State) => Next) {
    super();
  }

  override invoke(state: State): Promise<Next> {
    return Promise.resolve(this.decide(state));
  }
}
