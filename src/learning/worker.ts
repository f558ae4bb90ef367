import { ErrorReply } from "redis";
import type { EventSink } from "../events/types.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import type { LearningEntry } from "./queue.js";
import type { TurnLearner } from "./turn-learner.js";

export interface LearningWorkerOptions {
  /** This consumer's name in the group (unique per process). */
  consumer: string;
  group?: string;
  batchSize?: number;
  /** How long one XREADGROUP waits for new entries. */
  blockMs?: number;
  /** Entries pending this long on any consumer are taken over (the consumer probably died). */
  claimIdleMs?: number;
  /** After this many deliveries an entry goes to the dead-letter stream instead. */
  maxDeliveries?: number;
  log?: Logger;
  /** Hears worker.dead_lettered, for the user the entry belongs to. */
  events?: EventSink;
}

interface StreamEntry {
  id: string;
  message: Record<string, string>;
}

function parse(message: Record<string, string>): LearningEntry {
  let tools: unknown;
  try {
    tools = JSON.parse(message.tools ?? "null");
  } catch {
    tools = undefined;
  }
  const success = Number(message.success);
  const durationMs = Number(message.duration_ms);
  if (!message.user || !Array.isArray(tools) || !tools.every((tool) => typeof tool === "string") || !(success >= 0 && success <= 1) || !(durationMs >= 0)) {
    throw new Error("unreadable learning entry (user, tools, success or duration missing or invalid)");
  }
  return {
    timestamp: Number(message.timestamp ?? 0),
    sessionId: message.session ?? "",
    userId: message.user,
    query: message.query ?? "",
    tools: tools,
    success,
    durationMs,
    ...(message.answer ? { answer: message.answer } : {}),
    ...(message.kind === "data_imported" ? { kind: "data_imported" as const } : {}),
  };
}

/**
 * Consumes the learning stream with a consumer group: reads new entries (XREADGROUP), hands each
 * turn to the TurnLearner (procedural memory, per-tool analytics in `tool:stats`, and the goals
 * and preferences the user stated, extracted with the chat model the learner was given), and
 * acknowledges it.
 * Entries left pending by a consumer that died are taken over after `claimIdleMs` (XAUTOCLAIM);
 * an entry delivered `maxDeliveries` times without success is moved to `learning:dead` so it
 * cannot block the group. Give it a client whose command timeout exceeds `blockMs`.
 *
 * @example
 * ```ts
 * const learner = new TurnLearner({ memory, client: redis, keys, model: chatModel });
 * const worker = new LearningWorker(blockingClient, keys, learner, { consumer: `worker-${process.pid}` });
 * await worker.start();   // until stop()
 * ```
 */
export class LearningWorker {
  private readonly group: string;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly maxDeliveries: number;
  private readonly log: Logger;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly learner: TurnLearner,
    private readonly options: LearningWorkerOptions,
  ) {
    this.group = options.group ?? "learning";
    this.batchSize = options.batchSize ?? 50;
    this.blockMs = options.blockMs ?? 1_000;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.log = options.log ?? silentLogger;
  }

  /** Creates the consumer group (and the stream) if needed; new groups start from the beginning. */
  async ensureGroup(): Promise<void> {
    try {
      await this.client.xGroupCreate(this.keys.learningQueue(), this.group, "0", { MKSTREAM: true });
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith("BUSYGROUP"))) throw error;
    }
  }

  /** One pass: take over stale entries, then read new ones; returns how many were handled. */
  async runOnce(): Promise<number> {
    await this.ensureGroup();
    const stale = await this.reclaim();
    const fresh = await this.read();
    return stale + fresh;
  }

  /** Runs passes until stop() is called. */
  start(): Promise<void> {
    this.stopping = false;
    this.running ??= (async () => {
      await this.ensureGroup();
      while (!this.stopping) {
        try {
          await this.runOnce();
        } catch (error) {
          this.log.warn(`learning worker: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Finishes the current pass and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async read(): Promise<number> {
    const reply = await this.client.xReadGroup(
      this.group,
      this.options.consumer,
      { key: this.keys.learningQueue(), id: ">" },
      { COUNT: this.batchSize, BLOCK: this.blockMs },
    );
    const entries = (reply as { messages: StreamEntry[] }[] | null)?.flatMap((stream) => stream.messages) ?? [];
    for (const entry of entries) await this.handle(entry, 1);
    return entries.length;
  }

  private async reclaim(): Promise<number> {
    const claimed = await this.client.xAutoClaim(this.keys.learningQueue(), this.group, this.options.consumer, this.claimIdleMs, "0-0", {
      COUNT: this.batchSize,
    });
    const entries = (claimed.messages as (StreamEntry | null)[]).filter((entry): entry is StreamEntry => entry !== null);
    for (const entry of entries) {
      const pending = await this.client.xPendingRange(this.keys.learningQueue(), this.group, entry.id, entry.id, 1);
      await this.handle(entry, pending[0]?.deliveriesCounter ?? this.maxDeliveries);
    }
    return entries.length;
  }

  private async handle(entry: StreamEntry, deliveries: number): Promise<void> {
    const stream = this.keys.learningQueue();
    try {
      await this.learner.learn(parse(entry.message));
      await this.client.xAck(stream, this.group, entry.id);
    } catch (error) {
      if (deliveries >= this.maxDeliveries) {
        await this.client.xAdd(this.keys.learningDeadLetters(), "*", { ...entry.message, original_id: entry.id, error: (error as Error).message });
        await this.client.xAck(stream, this.group, entry.id);
        this.log.warn(`learning worker: entry ${entry.id} moved to the dead-letter stream after ${deliveries} deliveries`);
        if (entry.message.user) this.options.events?.publish(entry.message.user, { type: "worker.dead_lettered", entryId: entry.id, deliveries, error: (error as Error).message });
        return;
      }
      this.log.warn(`learning worker: entry ${entry.id} failed (${(error as Error).message}); it will be retried`);
    }
  }
}
