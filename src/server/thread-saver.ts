import type { ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { MemoryNotFoundError, UnauthorizedError } from "../errors.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";

type Thread = Awaited<ReturnType<ThreadSaver["get"]>>;
type Metadata = Thread["metadata"];

/**
 * The LangGraph API's threads, kept in Redis per user (`api:thread:{user}:{id}` and two sorted sets
 * by creation and update time), for `createEmbedServer`. Every call acts for the authenticated
 * caller: another user's thread is "not found", and deleting a thread deletes its checkpoints.
 *
 * @example
 * ```ts
 * const threads = new RedisThreadSaver(redis, keys, checkpointer, () => caller.getStore());
 * ```
 */
export class RedisThreadSaver implements ThreadSaver {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly checkpointer: BaseCheckpointSaver,
    private readonly currentUser: () => string | undefined,
  ) {}

  private user(): string {
    const user = this.currentUser();
    if (!user) throw new UnauthorizedError();
    return user;
  }

  private async read(user: string, id: string): Promise<Thread | undefined> {
    const fields = await this.client.hGetAll(this.keys.apiThread(user, id));
    if (!fields.thread_id) return undefined;
    return {
      thread_id: fields.thread_id,
      metadata: JSON.parse(fields.metadata ?? "{}") as Metadata,
      created_at: fields.created_at,
      updated_at: fields.updated_at,
      status: "idle",
    } as Thread;
  }

  async get(id: string): Promise<Thread> {
    const thread = await this.read(this.user(), id);
    if (!thread) throw new MemoryNotFoundError(`Thread ${id} not found.`);
    return thread;
  }

  async set(id: string, options: { kind: "put" | "patch"; metadata?: Metadata }): Promise<Thread> {
    const user = this.user();
    const existing = await this.read(user, id);
    const now = new Date();
    const metadata = options.kind === "patch" ? { ...(existing?.metadata ?? {}), ...(options.metadata ?? {}) } : (options.metadata ?? {});
    const createdAt = (existing as { created_at?: string } | undefined)?.created_at ?? now.toISOString();
    await Promise.all([
      this.client.hSet(this.keys.apiThread(user, id), {
        thread_id: id,
        metadata: JSON.stringify(metadata),
        created_at: createdAt,
        updated_at: now.toISOString(),
      }),
      this.client.zAdd(this.keys.apiThreads(user, "created"), { score: Date.parse(createdAt), value: id }),
      this.client.zAdd(this.keys.apiThreads(user, "updated"), { score: now.getTime(), value: id }),
    ]);
    return { thread_id: id, metadata, created_at: createdAt, updated_at: now.toISOString(), status: "idle" } as Thread;
  }

  async delete(id: string): Promise<void> {
    const user = this.user();
    if (!(await this.read(user, id))) throw new MemoryNotFoundError(`Thread ${id} not found.`);
    await Promise.all([
      this.client.unlink(this.keys.apiThread(user, id)),
      this.client.zRem(this.keys.apiThreads(user, "created"), id),
      this.client.zRem(this.keys.apiThreads(user, "updated"), id),
      this.checkpointer.deleteThread(id),
    ]);
  }

  async *search(options: {
    metadata?: Metadata;
    limit: number;
    offset: number;
    sortBy: "created_at" | "updated_at";
    sortOrder: "asc" | "desc";
  }): AsyncGenerator<{ thread: Thread; total: number }> {
    const user = this.user();
    const index = this.keys.apiThreads(user, options.sortBy === "created_at" ? "created" : "updated");
    const ids = await this.client.zRange(index, 0, -1, options.sortOrder === "desc" ? { REV: true } : undefined);
    const threads = (await Promise.all(ids.map((id) => this.read(user, id)))).filter((thread): thread is Thread => thread !== undefined);
    const wanted = Object.entries(options.metadata ?? {});
    const matching = threads.filter((thread) => wanted.every(([key, value]) => JSON.stringify((thread.metadata as Record<string, unknown>)[key]) === JSON.stringify(value)));
    for (const thread of matching.slice(options.offset, options.offset + options.limit)) yield { thread, total: matching.length };
  }
}
