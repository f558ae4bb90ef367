import type { Assistant, AssistantsRepo, AssistantVersion, Metadata } from "@langchain/langgraph-api/storage";
import { handleAuthEvent, isAuthMatching, type AuthContext } from "@langchain/langgraph-api/auth";
import { HTTPException } from "hono/http-exception";
import type { OpsContext } from "./context.js";
import { containsJson, notFound, parseJson } from "./records.js";

interface StoredAssistant extends Omit<Assistant, "created_at" | "updated_at"> {
  created_at: number;
  updated_at: number;
}

type StoredVersion = Omit<AssistantVersion, "created_at"> & { created_at: number };

const toAssistant = (stored: StoredAssistant): Assistant => ({
  ...stored,
  name: stored.name ?? stored.graph_id,
  created_at: new Date(stored.created_at),
  updated_at: new Date(stored.updated_at),
});

const toVersion = (stored: StoredVersion): AssistantVersion => ({ ...stored, created_at: new Date(stored.created_at) });

type SearchOptions = Parameters<AssistantsRepo["search"]>[0];

/**
 * Assistants and their versions in Redis: one HASH per assistant (`doc` JSON, `latest` version
 * number) and one HASH of its versions, both in the assistant's slot, plus a ZSET of every id by
 * creation time for search. Every call asks the official auth handlers first and treats a record
 * the caller's filters do not match as absent.
 *
 * @example
 * ```ts
 * const assistants = new RedisAssistants({ client, keys, checkpointer, threadTtlSeconds: 0 });
 * const assistant = await assistants.get(assistantId, auth);
 * ```
 */
export class RedisAssistants implements AssistantsRepo {
  constructor(private readonly context: OpsContext) {}

  private async load(assistantId: string): Promise<StoredAssistant | undefined> {
    const doc = await this.context.client.hGet(this.context.keys.agentAssistant(assistantId), "doc");
    return doc ? parseJson<StoredAssistant>(doc, undefined as never) : undefined;
  }

  private async save(stored: StoredAssistant, version: StoredVersion | undefined): Promise<void> {
    const { client, keys } = this.context;
    const id = stored.assistant_id;
    await Promise.all([
      client.hSet(keys.agentAssistant(id), { doc: JSON.stringify(stored), latest: String(stored.version) }),
      version ? client.hSet(keys.agentAssistantVersions(id), String(version.version), JSON.stringify(version)) : undefined,
    ]);
  }

  /** The assistant, or undefined (no auth check: runs name assistants the caller may not own, e.g. a graph's). */
  async find(assistantId: string): Promise<Assistant | undefined> {
    const stored = await this.load(assistantId);
    return stored ? toAssistant(stored) : undefined;
  }

  /** Whether a caller with these filters may read the assistant. */
  private readable(assistant: { metadata: Metadata }, filters: Parameters<typeof isAuthMatching>[1]): boolean {
    return (this.context.sharedSystemAssistants === true && assistant.metadata?.created_by === "system") || isAuthMatching(assistant.metadata, filters);
  }

  private async all(): Promise<StoredAssistant[]> {
    const ids = await this.context.client.zRange(this.context.keys.agentAssistants(), 0, -1, { REV: true });
    const records = await Promise.all(ids.map((id) => this.load(id)));
    return records.filter((record): record is StoredAssistant => record !== undefined);
  }

  private matching(all: StoredAssistant[], options: Pick<SearchOptions, "graph_id" | "name" | "metadata">, filters: unknown): StoredAssistant[] {
    return all.filter(
      (assistant) =>
        (options.graph_id == null || assistant.graph_id === options.graph_id) &&
        (options.name == null || (assistant.name ?? "").toLowerCase().includes(options.name.toLowerCase())) &&
        (options.metadata == null || containsJson(assistant.metadata, options.metadata)) &&
        this.readable(assistant, filters as Parameters<typeof isAuthMatching>[1]),
    );
  }

  async *search(options: SearchOptions, auth: AuthContext | undefined): AsyncGenerator<{ assistant: Assistant; total: number }> {
    const [filters] = await handleAuthEvent(auth, "assistants:search", {
      graph_id: options.graph_id,
      metadata: options.metadata,
      limit: options.limit,
      offset: options.offset,
    });
    const found = this.matching(await this.all(), options, filters);
    const sortBy = options.sort_by ?? "created_at";
    const direction = (options.sort_order ?? "desc") === "desc" ? -1 : 1;
    found.sort((a, b) => {
      const left = a[sortBy] ?? "";
      const right = b[sortBy] ?? "";
      return (left < right ? -1 : left > right ? 1 : 0) * direction;
    });
    for (const assistant of found.slice(options.offset, options.offset + options.limit)) {
      yield { assistant: toAssistant(assistant), total: found.length };
    }
  }

  async count(options: Parameters<AssistantsRepo["count"]>[0], auth: AuthContext | undefined): Promise<number> {
    const [filters] = await handleAuthEvent(auth, "assistants:search", { graph_id: options.graph_id, metadata: options.metadata, limit: 0, offset: 0 });
    return this.matching(await this.all(), options, filters).length;
  }

  async get(assistantId: string, auth: AuthContext | undefined): Promise<Assistant> {
    const [filters] = await handleAuthEvent(auth, "assistants:read", { assistant_id: assistantId });
    const stored = await this.load(assistantId);
    if (!stored || !this.readable(stored, filters)) throw notFound("Assistant not found");
    return toAssistant(stored);
  }

  async put(assistantId: string, options: Parameters<AssistantsRepo["put"]>[1], auth: AuthContext | undefined): Promise<Assistant> {
    const [filters, mutable] = await handleAuthEvent(auth, "assistants:create", {
      assistant_id: assistantId,
      config: options.config,
      context: options.context,
      graph_id: options.graph_id,
      metadata: options.metadata,
      if_exists: options.if_exists,
      name: options.name,
      description: options.description,
    });
    const { client, keys } = this.context;
    const now = Date.now();
    const stored: StoredAssistant = {
      assistant_id: assistantId,
      version: 1,
      config: options.config ?? {},
      context: options.context ?? {},
      created_at: now,
      updated_at: now,
      graph_id: options.graph_id,
      metadata: (mutable.metadata as Metadata | undefined) ?? {},
      name: options.name || options.graph_id,
      description: options.description ?? null,
    };
    const created = await client.hSetNX(keys.agentAssistant(assistantId), "doc", JSON.stringify(stored));
    if (!created) {
      const existing = await this.load(assistantId);
      if (!existing || !isAuthMatching(existing.metadata, filters) || options.if_exists === "raise") {
        throw new HTTPException(409, { message: "Assistant already exists" });
      }
      return toAssistant(existing);
    }
    const { version: _version, assistant_id: _id, updated_at: _updated, ...versioned } = stored;
    await Promise.all([
      this.save(stored, { ...versioned, assistant_id: assistantId, version: 1 }),
      client.zAdd(keys.agentAssistants(), { score: now, value: assistantId }),
    ]);
    return toAssistant(stored);
  }

  async patch(assistantId: string, options: Parameters<AssistantsRepo["patch"]>[1], auth: AuthContext | undefined): Promise<Assistant> {
    const [filters, mutable] = await handleAuthEvent(auth, "assistants:update", {
      assistant_id: assistantId,
      graph_id: options?.graph_id,
      config: options?.config,
      metadata: options?.metadata,
      name: options?.name,
      description: options?.description,
    });
    const stored = await this.load(assistantId);
    if (!stored || !isAuthMatching(stored.metadata, filters)) throw notFound("Assistant not found");
    const now = Date.now();
    const version = await this.context.client.hIncrBy(this.context.keys.agentAssistant(assistantId), "latest", 1);
    const metadata = mutable.metadata != null ? { ...stored.metadata, ...(mutable.metadata as Metadata) } : stored.metadata;
    const next: StoredAssistant = {
      ...stored,
      graph_id: options.graph_id ?? stored.graph_id,
      config: (options.config) ?? stored.config,
      context: options.context ?? stored.context,
      name: options.name ?? stored.name,
      description: options.description ?? stored.description,
      metadata,
      updated_at: now,
      version,
    };
    await this.save(next, {
      assistant_id: assistantId,
      version,
      graph_id: next.graph_id,
      config: next.config,
      context: next.context,
      name: next.name,
      description: next.description,
      metadata,
      created_at: now,
    });
    return toAssistant(next);
  }

  async delete(assistantId: string, deleteThreads: boolean, auth: AuthContext | undefined): Promise<string[]> {
    const [filters] = await handleAuthEvent(auth, "assistants:delete", { assistant_id: assistantId });
    const stored = await this.load(assistantId);
    if (!stored || !isAuthMatching(stored.metadata, filters)) throw notFound("Assistant not found");
    const { client, keys } = this.context;
    await Promise.all([
      client.unlink([keys.agentAssistant(assistantId)]),
      client.unlink([keys.agentAssistantVersions(assistantId)]),
      client.zRem(keys.agentAssistants(), assistantId),
    ]);
    if (deleteThreads) await this.onDeleteThreads?.(assistantId);
    return [assistantId];
  }

  /** Set by RedisOps: deletes the threads an assistant ran on, when deleting it asks for that. */
  onDeleteThreads?: (assistantId: string) => Promise<void>;

  async setLatest(assistantId: string, version: number, auth: AuthContext | undefined): Promise<Assistant> {
    const [filters] = await handleAuthEvent(auth, "assistants:update", { assistant_id: assistantId, version });
    const stored = await this.load(assistantId);
    if (!stored || !isAuthMatching(stored.metadata, filters)) throw notFound("Assistant not found");
    const raw = await this.context.client.hGet(this.context.keys.agentAssistantVersions(assistantId), String(version));
    if (!raw) throw notFound("Assistant version not found");
    const chosen = JSON.parse(raw) as StoredVersion;
    const next: StoredAssistant = {
      ...stored,
      config: chosen.config,
      context: chosen.context,
      metadata: chosen.metadata,
      version: chosen.version,
      name: chosen.name,
      description: chosen.description,
      graph_id: chosen.graph_id,
      updated_at: Date.now(),
    };
    await this.context.client.hSet(this.context.keys.agentAssistant(assistantId), "doc", JSON.stringify(next));
    return toAssistant(next);
  }

  async getVersions(
    assistantId: string,
    options: Parameters<AssistantsRepo["getVersions"]>[1],
    auth: AuthContext | undefined,
  ): Promise<AssistantVersion[]> {
    const [filters] = await handleAuthEvent(auth, "assistants:read", { assistant_id: assistantId });
    const raw = await this.context.client.hVals(this.context.keys.agentAssistantVersions(assistantId));
    return raw
      .map((text) => JSON.parse(text) as StoredVersion)
      .filter((version) => (options.metadata == null || containsJson(version.metadata, options.metadata)) && this.readable(version, filters))
      .sort((a, b) => b.version - a.version)
      .slice(options.offset, options.offset + options.limit)
      .map(toVersion);
  }
}
