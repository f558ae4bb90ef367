import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { BaseStore } from "@langchain/langgraph";
import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";

/** What every repository of {@link RedisOps} shares: the client, the key schema and the savers graphs run with. */
export interface OpsContext {
  client: RedisClient;
  keys: KeySchema;
  /** The checkpointer state reads, history, copies and deletes go through. */
  checkpointer: BaseCheckpointSaver;
  /** The store graphs see, when the app has a Redis one; otherwise the server's own. */
  store?: BaseStore;
  /** Expiry of threads and their runs, refreshed on every write (0: none), like the checkpoints'. */
  threadTtlSeconds: number;
  /**
   * Assistants the server registers from langgraph.json (metadata.created_by "system") are
   * readable by every caller whatever the auth filters, so each user can run the graphs; they
   * stay unchangeable by anyone. Set when serving with owner filters (the app's token auth).
   */
  sharedSystemAssistants?: boolean;
  /**
   * What a client may see of a run's failure (the `error` event of its stream), given what the
   * server serialized (`{ error: name, message }`); everything unchanged when absent.
   */
  publicError?: (data: unknown) => unknown;
  /**
   * How long a run queued by another process is left to that process's own workers before this
   * process's take it (default 100 ms). The process that queued a run serves the request waiting
   * for its events, which it reads from memory when it executes the run itself.
   */
  foreignRunGraceMs?: number;
  /** Hears of a write the queue workers gave up on after riding out a Redis outage. */
  onLostWrite?: (what: string, error: unknown) => void;
}
