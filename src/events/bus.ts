import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { BackgroundWrites } from "../redis/background-writes.js";
import type { RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import { isValidId } from "../redis/ids.js";
import { RedisScript } from "../redis/script.js";
import { decodeEvent } from "./codec.js";
import { compareStreamIds } from "./stream-id.js";
import { EventSubscriber, type EventListener } from "./subscriber.js";
import { wellnessEventSchema, type EventSink, type StoredEvent, type WellnessEvent } from "./types.js";

/**
 * Appends the event to the user's log and publishes it with the new entry's id, in one step on
 * the server: a reader that saw the message can always find the entry, in order.
 * KEYS[1] log; ARGV: retention, type, event JSON, channel.
 */
const PUBLISH = new RedisScript(`
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', ARGV[2], 'event', ARGV[3])
redis.call('PUBLISH', ARGV[4], id .. ' ' .. ARGV[3])
return id
`);

export interface EventBusOptions {
  client: RedisClient;
  keys: KeySchema;
  /** Events kept in each user's log (XADD MAXLEN ~, so a little more may stay). */
  retention?: number;
  /** Publishes in flight at once; beyond it events are dropped rather than queued. */
  maxInFlight?: number;
  log?: Logger;
}

export interface FollowOptions {
  /** Ends the iteration (a closed HTTP response, Ctrl-C). */
  signal?: AbortSignal;
  /**
   * How often the log is read even without a message, to pick up anything published while the
   * subscribe connection was down. Messages only wake the reader; the log decides what it gets.
   */
  catchUpMs?: number;
}

const PAGE = 500;

/**
 * The event bus: per-user channels (`events:{user}`) for live listeners and a capped per-user
 * log (`events:{user}:log`, a STREAM) with the same events, for readers that resume.
 *
 * One log per user, not one shared log filtered by user: a reader reads only its own user's
 * entries (XRANGE, no filtering, nothing of other users ever leaves Redis for it), the log lives
 * in the user's cluster slot beside the channel name, and retention is per user, so one busy user
 * cannot push another's events out.
 *
 * `publish` is fire-and-forget: it returns at once, never throws, and at most `maxInFlight`
 * publishes wait on Redis; while Redis is away, events are lost and the outage is logged once.
 *
 * @example
 * ```ts
 * const bus = new EventBus({ client: redis, keys, log });
 * bus.publish("alice", { type: "session.created", sessionId: "s1" });
 * for await (const stored of bus.follow("alice", "0", { signal })) console.log(stored.id, stored.event.type);
 * await bus.close();
 * ```
 */
export class EventBus implements EventSink {
  private readonly client: RedisClient;
  private readonly keys: KeySchema;
  private readonly retention: number;
  private readonly log: Logger;
  private readonly writes: BackgroundWrites;
  private live: EventSubscriber | undefined;

  constructor(options: EventBusOptions) {
    this.client = options.client;
    this.keys = options.keys;
    this.retention = options.retention ?? 10_000;
    this.log = options.log ?? silentLogger;
    this.writes = new BackgroundWrites({ name: "event bus", maxInFlight: options.maxInFlight ?? 256, log: this.log });
  }

  /** Publishes an event for one user; returns at once and never throws. */
  publish(userId: string, event: WellnessEvent): void {
    if (!isValidId(userId)) {
      this.log.warn(`event bus: dropped a ${String((event as { type?: unknown }).type)} event for an invalid user id`);
      return;
    }
    const checked = wellnessEventSchema.safeParse(event);
    if (!checked.success) {
      this.log.warn(`event bus: dropped a malformed ${String((event as { type?: unknown }).type)} event (${checked.error.issues[0]?.message ?? "invalid"})`);
      return;
    }
    this.writes.run(() =>
      PUBLISH.run<string>(this.client, [this.keys.eventsLog(userId)], [String(this.retention), checked.data.type, JSON.stringify(checked.data), this.keys.eventsChannel(userId)]),
    );
  }

  /** Up to `count` of the user's stored events after `afterId` ("0": from the oldest kept), oldest first. */
  async read(userId: string, afterId = "0", count = 100): Promise<StoredEvent[]> {
    return (await this.page(userId, afterId, count)).events;
  }

  /** The user's newest `count` stored events, oldest first. */
  async latest(userId: string, count: number): Promise<StoredEvent[]> {
    const entries = await this.client.xRevRange(this.keys.eventsLog(userId), "+", "-", { COUNT: count });
    return entries.reverse().flatMap((entry) => decodeEvent(entry.id, (entry.message as Record<string, string>).event) ?? []);
  }

  /** The id of the user's newest stored event, or "0" when there is none: where "from now on" starts. */
  async lastId(userId: string): Promise<string> {
    const [newest] = await this.client.xRevRange(this.keys.eventsLog(userId), "+", "-", { COUNT: 1 });
    return newest?.id ?? "0";
  }

  /** Listens to the user's live events only (nothing stored before); resolves with the function that stops it. */
  subscribe(userId: string, listener: EventListener): Promise<() => Promise<void>> {
    this.live ??= new EventSubscriber(this.client, this.keys, this.log);
    return this.live.subscribe(userId, listener);
  }

  /**
   * Every event of the user after `afterId`: first those stored, then each new one as it is
   * published, in log order, each once, until `signal` aborts. A live message only wakes the
   * reader, which then reads the log from the last id it yielded, so a message lost while the
   * subscribe connection was down delays an event (until the next catch-up) but never drops it.
   */
  async *follow(userId: string, afterId = "0", options: FollowOptions = {}): AsyncGenerator<StoredEvent> {
    const { signal } = options;
    let last = afterId;
    let pending = true;
    let wake: (() => void) | undefined;
    const nudge = () => {
      pending = true;
      wake?.();
    };
    const stop = await this.subscribe(userId, (stored) => {
      if (compareStreamIds(stored.id, last) > 0) nudge();
    });
    const timer = setInterval(nudge, options.catchUpMs ?? 5_000);
    timer.unref();
    signal?.addEventListener("abort", nudge);
    try {
      while (!signal?.aborted) {
        if (!pending) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (pending || signal?.aborted) resolve();
          });
          wake = undefined;
          continue;
        }
        pending = false;
        let full = true;
        while (full && !signal?.aborted) {
          let page: Awaited<ReturnType<EventBus["page"]>>;
          try {
            page = await this.page(userId, last, PAGE);
          } catch (error) {
            this.log.warn(`event bus: reading ${userId}'s events failed (${(error as Error).message}); retrying at the next catch-up.`);
            break;
          }
          for (const stored of page.events) {
            yield stored;
            if (signal?.aborted) return;
          }
          last = page.lastId ?? last;
          full = page.entries === PAGE;
        }
      }
    } finally {
      clearInterval(timer);
      signal?.removeEventListener("abort", nudge);
      await stop();
    }
  }

  /** Waits for the publishes in flight (shutdown, tests). */
  drain(): Promise<void> {
    return this.writes.drain();
  }

  /** Publishes dropped for want of room and failed, since start. */
  stats(): { inFlight: number; dropped: number; failed: number } {
    return this.writes.stats();
  }

  /** Waits for publishes in flight and closes the live subscription's connection (the client given stays open). */
  async close(): Promise<void> {
    await this.writes.drain();
    await this.live?.close();
    this.live = undefined;
  }

  private async page(userId: string, afterId: string, count: number): Promise<{ events: StoredEvent[]; lastId: string | undefined; entries: number }> {
    const entries = await this.client.xRange(this.keys.eventsLog(userId), `(${afterId}`, "+", { COUNT: count });
    const events: StoredEvent[] = [];
    for (const entry of entries) {
      const stored = decodeEvent(entry.id, (entry.message as Record<string, string>).event);
      if (stored) events.push(stored);
    }
    return { events, lastId: entries.at(-1)?.id, entries: entries.length };
  }
}
