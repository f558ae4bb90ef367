import type { BaseCheckpointSaver, BaseStore } from "@langchain/langgraph";
import type { ChannelVersions, Checkpoint, CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import { readFile } from "node:fs/promises";
import { ServerStartError } from "../errors.js";

/** The @langchain/langgraph-api version whose graph registry this adapter is written against. */
export const SUPPORTED_API_VERSION = "2.0.0";

export interface GraphPersistence {
  checkpointer: BaseCheckpointSaver;
  /** The store graphs see; without it they keep the server's own. */
  store?: BaseStore;
}

type GraphLike = Record<PropertyKey, unknown>;
type GraphEntry = GraphLike | ((config: unknown) => Promise<GraphLike> | GraphLike);

/**
 * A per-call view of a compiled graph whose `checkpointer` and `store` are the Redis ones. The
 * official server's getGraph assigns its in-memory checkpointer (or null for a temporary run) and
 * store to the graph it hands out; on this view an assigned checkpointer becomes the Redis saver,
 * an assigned null/undefined stays "none" (temporary runs write nothing), and an assigned store
 * becomes the Redis store when there is one. Every other property and method is the graph's own.
 */
export function persistentView<T extends object>(graph: T, persistence: GraphPersistence): T {
  let checkpointer: BaseCheckpointSaver | undefined = persistence.checkpointer;
  let store: unknown = persistence.store ?? (graph as GraphLike).store;
  return new Proxy(graph, {
    get(target, property, receiver) {
      if (property === "checkpointer") return checkpointer;
      if (property === "store") return store;
      return Reflect.get(target, property, receiver) as unknown;
    },
    set(target, property, value, receiver) {
      if (property === "checkpointer") {
        checkpointer = value == null ? undefined : persistence.checkpointer;
        return true;
      }
      if (property === "store") {
        store = persistence.store ?? value;
        return true;
      }
      return Reflect.set(target, property, value, receiver);
    },
  });
}

/** The module URL of one of the package's internal files (next to its public graph entry). */
async function internalModule(relative: string): Promise<unknown> {
  const api = import.meta.resolve("@langchain/langgraph-api/graph");
  const manifest = JSON.parse(await readFile(new URL("../../package.json", api), "utf8")) as { version?: string };
  if (manifest.version !== SUPPORTED_API_VERSION) {
    throw new ServerStartError(
      `@langchain/langgraph-api ${manifest.version ?? "?"} is installed; wellness serve reaches into the internals of ${SUPPORTED_API_VERSION}. Install exactly @langchain/langgraph-api@${SUPPORTED_API_VERSION}.`,
    );
  }
  return import(new URL(relative, api).href);
}

/**
 * A function that empties the official server's own in-memory store, which its /store routes
 * serve while the app has no Redis store of its own (truncation on test servers only). Resolved
 * up front so that truncation starts clearing at once: the server does not await it.
 */
export async function builtInStoreClearer(): Promise<() => Promise<void>> {
  const { store } = (await internalModule("../storage/store.mjs")) as { store?: { clear?: () => Promise<void> } };
  if (!store || typeof store.clear !== "function") throw new ServerStartError("The Agent Server's built-in store has no clear(); cannot truncate it.");
  return () => store.clear?.() ?? Promise.resolve();
}

/**
 * The checkpointer as the official server's own saves checkpoints: each checkpoint's metadata also
 * carries the run's configurable values (except internal `__` keys and the ids) and its config
 * metadata, so history can be filtered by run metadata (POST /threads/:id/history).
 */
export function withRunMetadata<T extends BaseCheckpointSaver>(saver: T): T {
  const excluded = new Set(["checkpoint_ns", "checkpoint_id", "run_id", "thread_id"]);
  return new Proxy(saver, {
    get(target, property, receiver) {
      if (property !== "put") return Reflect.get(target, property, receiver) as unknown;
      return (config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, versions: ChannelVersions) =>
        target.put(
          config,
          checkpoint,
          {
            ...Object.fromEntries(Object.entries(config.configurable ?? {}).filter(([key]) => !key.startsWith("__") && !excluded.has(key))),
            ...config.metadata,
            ...metadata,
          },
          versions,
        );
    },
  });
}

/**
 * Makes every graph the official server registered run on Redis: each entry of its graph
 * registry (`GRAPHS` in dist/graph/load.mjs, the module `@langchain/langgraph-api/graph`
 * re-exports getGraph from) becomes a factory — which the registry supports for graphs exported
 * as functions — returning a {@link persistentView} (with the store of the run's user, when
 * `storeFor` is given). Specs and schemas are untouched, so schema
 * extraction still reads the original source. The registry is internal to the package, so the
 * installed version is checked and anything unexpected stops the server.
 */
export async function bindGraphsToRedis(
  graphIds: readonly string[],
  persistence: { checkpointer: BaseCheckpointSaver; storeFor?: (config: RunnableConfig | undefined) => BaseStore },
): Promise<void> {
  const registry = ((await internalModule("./load.mjs")) as { GRAPHS?: Record<string, GraphEntry> }).GRAPHS;
  for (const graphId of graphIds) {
    const original = registry?.[graphId];
    if (!registry || original === undefined) {
      throw new ServerStartError(`The Agent Server did not register graph "${graphId}"; cannot bind it to Redis.`);
    }
    registry[graphId] = async (config: unknown) => {
      const compiled = typeof original === "function" ? await original(config) : original;
      const store = persistence.storeFor?.(config as RunnableConfig | undefined);
      return persistentView(compiled, { checkpointer: persistence.checkpointer, ...(store ? { store } : {}) });
    };
  }
}

/**
 * Extracts the graphs' input/output schemas once, in the background, so the first
 * GET /assistants/:id/schemas (LangGraph Studio asks at once) does not wait for the TypeScript
 * compiler. Failures are left for that request to report.
 */
export async function warmGraphSchemas(graphIds: readonly string[]): Promise<void> {
  const { getCachedStaticGraphSchema } = (await internalModule("./load.mjs")) as { getCachedStaticGraphSchema?: (graphId: string) => Promise<unknown> };
  if (typeof getCachedStaticGraphSchema !== "function") return;
  for (const graphId of graphIds) await getCachedStaticGraphSchema(graphId).catch(() => undefined);
}
