import type { LearningEntry } from "../learning/queue.js";
import type { RedisClient } from "../redis/client.js";
import { validateId } from "../redis/ids.js";
import type { KeySchema } from "../redis/keys.js";
import { RedisScript } from "../redis/script.js";

/** What a finished turn tells the session context: the question, the tools in order, and when. */
export type SessionTurn = Pick<LearningEntry, "query" | "tools" | "timestamp">;

/** Where a conversation stands: shown with the session and used to title it. */
export interface SessionContext {
  /** The current task: the last question asked. */
  task: string;
  /** The last tool any turn used (a turn without tools keeps the previous one); null before the first. */
  lastTool: string | null;
  /** Every tool used in the session so far, in order of first use. */
  tools: string[];
  /** ms since the epoch. */
  lastActivity: number;
  turns: number;
}

/** Seven days: a session untouched this long loses its context (the conversation itself has its own TTL). */
export const SESSION_CONTEXT_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Tools kept in the list; a session that used more keeps the first ones. */
const MAX_TOOLS = 64;

/**
 * Updates the hash in one step, so turns finishing together in two processes both land: the tool
 * list (newline-separated, tool names hold no newline) is merged on the server.
 * KEYS[1] context; ARGV: ttl seconds, max tools, task, last activity, tools...
 */
const UPDATE = new RedisScript(`
local key = KEYS[1]
local tools = {}
local seen = {}
local stored = redis.call('HGET', key, 'tools')
if stored and stored ~= '' then
  for name in string.gmatch(stored, '[^\\n]+') do
    tools[#tools + 1] = name
    seen[name] = true
  end
end
local last = nil
for i = 5, #ARGV do
  last = ARGV[i]
  if not seen[last] and #tools < tonumber(ARGV[2]) then
    tools[#tools + 1] = last
    seen[last] = true
  end
end
redis.call('HSET', key, 'task', ARGV[3], 'last_activity', ARGV[4], 'tools', table.concat(tools, '\\n'))
if last then redis.call('HSET', key, 'last_tool', last) end
redis.call('HINCRBY', key, 'turns', 1)
redis.call('EXPIRE', key, tonumber(ARGV[1]))
return 1
`);

function parse(fields: Record<string, string>): SessionContext | undefined {
  if (fields.task === undefined) return undefined;
  return {
    task: fields.task,
    lastTool: fields.last_tool ?? null,
    tools: fields.tools ? fields.tools.split("\n") : [],
    lastActivity: Number(fields.last_activity ?? 0),
    turns: Number(fields.turns ?? 0),
  };
}

/**
 * Per-session context (`user:{user}:session:<session>:context`, a hash): the current task (the
 * last question), the last tool used, the tools used so far and the last activity, with a 7-day
 * TTL that each turn renews. Keyed under the user, so a session id known to another user reads
 * nothing.
 *
 * @example
 * ```ts
 * const contexts = new SessionContextStore(redis, keys);
 * await contexts.update("alice", "s1", { query: "How did I sleep?", tools: ["get_sleep_analysis"], timestamp: Date.now() });
 * (await contexts.get("alice", "s1"))?.task; // "How did I sleep?"
 * ```
 */
export class SessionContextStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly ttlSeconds = SESSION_CONTEXT_TTL_SECONDS,
  ) {}

  /** Records a finished turn and renews the TTL. */
  async update(userId: string, sessionId: string, turn: SessionTurn): Promise<void> {
    const tools = turn.tools.map((tool) => validateId("tool name", tool));
    await UPDATE.run(this.client, [this.keys.sessionContext(userId, sessionId)], [String(this.ttlSeconds), String(MAX_TOOLS), turn.query, String(turn.timestamp), ...tools]);
  }

  /** The session's context, or undefined when it has none (never used, or expired). */
  async get(userId: string, sessionId: string): Promise<SessionContext | undefined> {
    return parse(await this.client.hGetAll(this.keys.sessionContext(userId, sessionId)));
  }

  /** Drops the context with its session. */
  async delete(userId: string, sessionId: string): Promise<void> {
    await this.client.unlink(this.keys.sessionContext(userId, sessionId));
  }
}
