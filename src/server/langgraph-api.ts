import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { Pregel } from "@langchain/langgraph";
import type { Hono } from "hono";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { Authentication } from "./auth.js";
import { RedisThreadSaver } from "./thread-saver.js";

export interface LangGraphApiOptions {
  client: RedisClient;
  keys: KeySchema;
  checkpointer: BaseCheckpointSaver;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Pregel's type parameters vary per graph
  graphs: Record<string, Pregel<any, any, any, any, any>>;
  auth: Authentication;
}

/**
 * Mounts the LangGraph server API (threads, state, history, runs.stream) from the official
 * `createEmbedServer`, on the Redis checkpointer and a Redis thread store, behind the app's
 * authentication, so `@langchain/langgraph-sdk`'s Client works against `wellness serve`. The
 * module is loaded only here, when the server starts.
 */
export async function mountLangGraphApi(app: Hono, options: LangGraphApiOptions): Promise<void> {
  const { createEmbedServer } = await import("@langchain/langgraph-api/experimental/embed");
  const threads = new RedisThreadSaver(options.client, options.keys, options.checkpointer, options.auth.currentUser);
  const api = createEmbedServer({ graph: options.graphs, threads, checkpointer: options.checkpointer });
  for (const path of ["/threads", "/threads/*", "/runs/*"]) app.use(path, options.auth.middleware);
  app.route("/", api);
}
