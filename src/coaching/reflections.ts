import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, isAIMessage, isHumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { WellnessError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import type { EpisodicRecord } from "../memory/episodic.js";
import type { Memory } from "../memory/index.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import { RedisScript } from "../redis/script.js";
import { backoffDelay, retry, type BackoffOptions, type RetryOptions } from "./retry.js";

/** The chat model could not write a reflection (after its retries); the session stays queued. */
export class ReflectionFailedError extends WellnessError {
  constructor(sessionId: string, cause: unknown) {
    super(
      "ERR_REFLECTION_FAILED",
      `The chat model could not write a reflection on session ${sessionId} (${(cause as Error)?.message ?? String(cause)}); it stays queued and the worker tries again later. Check that the model answers (ollama serve).`,
      { cause },
    );
  }
}

export interface ReflectionsOptions {
  client: RedisClient;
  keys: KeySchema;
  memory: Memory;
  model: BaseChatModel;
  /** The messages of a session (its thread), e.g. from the checkpointer: see checkpointTranscript. */
  transcript: (sessionId: string) => Promise<readonly BaseMessage[]>;
  /** A session idle this long gets a reflection (default 30 minutes). */
  idleMs?: number;
  /** Sessions idle for longer than this are not picked up any more (default 7 days). */
  lookbackMs?: number;
  /** Retries of one model call within an attempt (default 3 tries, 1 s doubling to at most 15 s). */
  retry?: Partial<RetryOptions>;
  /** Delay before a failed attempt is tried again (default 1 minute doubling to at most 6 hours). */
  requeue?: Partial<BackoffOptions>;
  /** TTL of the per-session reflection state (the memory TTL). */
  ttlSeconds: number;
  now?: () => number;
  log?: Logger;
}

/** A queued reflection one worker has taken stays its own for this long (then another may take it). */
const CLAIM_LEASE_MS = 10 * 60_000;
const MAX_TRANSCRIPT_MESSAGES = 40;
const MAX_MESSAGE_CHARACTERS = 600;

const REFLECT_PROMPT =
  "You keep notes for a wellness assistant. Write a short reflection on the conversation below, for the assistant's own memory: what the user cared about, what was learned about them or their data, and what to follow up next time. At most three sentences, plain text, no greeting.";

/** Takes a queued entry that is due: moves its score past the lease. KEYS: queue. ARGV: member, now, until. */
const CLAIM = new RedisScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`);

function text(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : JSON.stringify(message.content);
}

/** The conversation as the model reads it: user and assistant turns, newest kept, each shortened. */
function transcriptText(messages: readonly BaseMessage[]): string {
  return messages
    .filter((message) => isHumanMessage(message) || (isAIMessage(message) && text(message).trim() !== ""))
    .slice(-MAX_TRANSCRIPT_MESSAGES)
    .map((message) => `${isHumanMessage(message) ? "User" : "Assistant"}: ${text(message).trim().slice(0, MAX_MESSAGE_CHARACTERS)}`)
    .join("\n");
}

/**
 * Reflections on finished conversations: a session idle for a while is queued
 * (`reflections:due`), and a pass asks the chat model for a short reflection (what the user
 * cared about, what was learned, what to follow up), stored as an episodic insight with its
 * embedding, so later sessions can recall it. Each session's state
 * (`reflection:{user}:<session>`) records the activity its reflection covers, so an idle
 * session is reflected on once (again only after new activity). A model call is retried with
 * capped exponential backoff and jitter; when every try fails, the session stays queued with a
 * later due time (backing off further each attempt), never dropped.
 *
 * @example
 * ```ts
 * const reflections = new Reflections({ client, keys, memory, model, transcript: checkpointTranscript(saver), ttlSeconds });
 * await reflections.pass(); // queue idle sessions, reflect on those due
 * ```
 */
export class Reflections {
  private readonly idleMs: number;
  private readonly lookbackMs: number;
  private readonly retry: RetryOptions;
  private readonly requeue: BackoffOptions;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: ReflectionsOptions) {
    this.idleMs = options.idleMs ?? 30 * 60_000;
    this.lookbackMs = options.lookbackMs ?? 7 * 86_400_000;
    this.retry = { attempts: 3, baseMs: 1_000, capMs: 15_000, ...options.retry };
    this.requeue = { baseMs: 60_000, capMs: 6 * 3_600_000, ...options.requeue };
    this.now = options.now ?? Date.now;
    this.log = options.log ?? silentLogger;
  }

  /** Queues idle sessions with activity no reflection covers yet, then reflects on the queued ones that are due. */
  async pass(limit = 20): Promise<EpisodicRecord[]> {
    await this.queueIdle();
    return this.runDue(limit);
  }

  /** Queues every session idle for `idleMs` (within the lookback) that has unreflected activity; returns how many were queued. */
  async queueIdle(limit = 500): Promise<number> {
    const { client, keys } = this.options;
    const now = this.now();
    const idle = await client.zRangeByScoreWithScores(keys.recentSessions(), now - this.lookbackMs, now - this.idleMs, { LIMIT: { offset: 0, count: limit } });
    if (idle.length === 0) return 0;
    const owners = await Promise.all(idle.map(({ value }) => client.get(keys.sessionOwner(value))));
    const candidates = idle.flatMap(({ value, score }, index) => (owners[index] ? [{ userId: owners[index], sessionId: value, activity: score }] : []));
    const covered = await Promise.all(candidates.map(({ userId, sessionId }) => client.hGet(keys.reflection(userId, sessionId), "activity")));
    const due = candidates.filter(({ activity }, index) => Number(covered[index] ?? 0) < activity);
    await Promise.all(due.map(({ userId, sessionId }) => client.zAdd(keys.reflectionsDue(), { score: now, value: JSON.stringify([userId, sessionId]) }, { condition: "NX" })));
    return due.length;
  }

  /** Reflects on up to `limit` queued sessions that are due; a failed one is queued again for later. */
  async runDue(limit = 20): Promise<EpisodicRecord[]> {
    const { client, keys } = this.options;
    const now = this.now();
    const members = await client.zRangeByScore(keys.reflectionsDue(), "-inf", now, { LIMIT: { offset: 0, count: limit } });
    const written: EpisodicRecord[] = [];
    for (const member of members) {
      const claimed = await CLAIM.run<number>(client, [keys.reflectionsDue()], [member, String(now), String(now + CLAIM_LEASE_MS)]);
      if (claimed !== 1) continue;
      const [userId, sessionId] = JSON.parse(member) as [string, string];
      try {
        const insight = await this.reflect(userId, sessionId);
        if (insight) written.push(insight);
      } catch (error) {
        this.log.warn(`reflections: ${(error as Error).message}`);
      }
    }
    return written;
  }

  /**
   * Reflects on one session now (`wellness reflect`), if it has activity no reflection covers.
   * Undefined when there is nothing new to reflect on.
   *
   * @throws {ReflectionFailedError} when the model failed every try; the session is then queued for a later attempt.
   */
  async reflect(userId: string, sessionId: string): Promise<EpisodicRecord | undefined> {
    const { client, keys, memory } = this.options;
    const stateKey = keys.reflection(userId, sessionId);
    const member = JSON.stringify([userId, sessionId]);
    const [activityScore, covered, attempts] = await Promise.all([
      client.zScore(keys.userSessions(userId), sessionId),
      client.hGet(stateKey, "activity"),
      client.hGet(stateKey, "attempts"),
    ]);
    const activity = activityScore ?? 0;
    if (activity <= Number(covered ?? 0)) {
      await client.zRem(keys.reflectionsDue(), member);
      return undefined;
    }
    const conversation = transcriptText(await this.options.transcript(sessionId));
    if (conversation === "") {
      await this.settle(stateKey, member, { activity: String(activity), attempts: "0" });
      return undefined;
    }
    let reflection: string;
    try {
      reflection = await retry(async () => {
        const reply = await this.options.model.invoke([new SystemMessage(REFLECT_PROMPT), new HumanMessage(conversation)]);
        const written = text(reply).trim();
        if (written === "") throw new Error("the model returned an empty reflection");
        return written;
      }, this.retry);
    } catch (error) {
      const attempt = Number(attempts ?? 0) + 1;
      const next = this.now() + backoffDelay(attempt, this.requeue);
      await Promise.all([
        client.zAdd(keys.reflectionsDue(), { score: next, value: member }),
        client.hSet(stateKey, { attempts: String(attempt), next_at: String(next), error: (error as Error).message.slice(0, 300) }),
        client.expire(stateKey, this.options.ttlSeconds),
      ]);
      throw new ReflectionFailedError(sessionId, error);
    }
    const insight = await memory.episodic.store(userId, {
      type: "insight",
      description: reflection,
      context: `reflection on session ${sessionId}`,
      metadata: { sessionId, activity },
    });
    await this.settle(stateKey, member, { activity: String(activity), attempts: "0", insight: insight.id, error: "" });
    return insight;
  }

  private async settle(stateKey: string, member: string, fields: Record<string, string>): Promise<void> {
    const { client, keys } = this.options;
    await Promise.all([client.hSet(stateKey, fields), client.expire(stateKey, this.options.ttlSeconds), client.zRem(keys.reflectionsDue(), member)]);
  }
}
