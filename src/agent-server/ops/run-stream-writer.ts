import { compareStreamIds } from "../../events/stream-id.js";
import type { RedisClient } from "../../redis/client.js";

/**
 * One entry of a run's stream: its stream id, event name, and its data serialized (`data`), as
 * plain values (`value`, for readers in the writing process), or both.
 */
export type StreamEntry = { id: string; event: string } & ({ data: string; value?: unknown } | { data?: string; value: unknown });

/** An event on its way to Redis: its id when the writer chose it, else Redis chooses. */
type Pending = { id?: string; event: string; data?: string; value?: unknown };

/** An entry's data as JSON. */
function dataOf(entry: Pending): string {
  return entry.data ?? JSON.stringify(entry.value ?? null);
}

/** How often a live run's stream has its expiry pushed back: its TTL is a day, so once a minute is plenty. */
const EXPIRY_REFRESH_MS = 60_000;
/** Entries a writer buffers before publish waits for them to reach Redis. */
const MAX_BUFFERED = 1_000;

/**
 * What one process wrote to a run's stream, in stream order, for readers in the same process:
 * they take entries from here instead of reading them back from Redis. Holds the entries written
 * since this process began publishing the run, the newest `limit` of them.
 */
export class LocalTail {
  readonly entries: StreamEntry[] = [];
  ended = false;

  constructor(private readonly limit: number) {}

  append(entries: StreamEntry[]): void {
    this.entries.push(...entries);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  /**
   * The entries after `cursor` (all when none), or undefined when entries after it may have been
   * dropped from the front, so the reader must go to Redis for them.
   */
  after(cursor: string | undefined): StreamEntry[] | undefined {
    if (cursor === undefined) return this.entries.length < this.limit ? this.entries.slice() : undefined;
    const first = this.entries[0];
    if (first && compareStreamIds(first.id, cursor) > 0 && this.entries.length >= this.limit) return undefined;
    // A reader is usually at or near the end: look back from there.
    let index = this.entries.length;
    while (index > 0 && compareStreamIds((this.entries[index - 1] as StreamEntry).id, cursor) > 0) index -= 1;
    return this.entries.slice(index);
  }
}

/**
 * Writes one run's events to its Redis stream in batches: events published while a write is in
 * flight go out together in the next one (a pipeline of XADDs; a lone event is one XADD; the
 * stream's expiry is pushed back, atomically with the entries, on the first write and then at most
 * once a minute), so a burst of events costs a round trip rather than one each, and the publisher
 * (the queue worker, which awaits every event) is not held up by Redis unless the buffer is full.
 * Writes are sequential, so entries keep their order; what was written goes to the run's
 * {@link LocalTail}.
 *
 * A writer made `local` keeps its events in the tail only, with ids it chooses itself, until
 * {@link share} is called or the tail is full: a chat turn's events are read by the request that
 * asked for them, in this process, and go to Redis only once a reader elsewhere wants them (or a
 * slow reader here may need entries the tail drops). Sharing writes what the tail holds, under
 * the same ids, then every later event as it comes.
 */
export class RunStreamWriter {
  private buffer: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** When the stream's expiry was last pushed back (it is, with the first write and then at most once a minute). */
  private expiryRefreshedAt = Number.NEGATIVE_INFINITY;
  /** Whether events go to Redis (always, unless the writer was made local and not yet shared). */
  private sharing: boolean;
  /** Entry ids this writer chose (a local writer's): the last one's milliseconds and sequence. */
  private lastMs = 0;
  private lastSeq = -1;

  constructor(
    private readonly client: RedisClient,
    private readonly key: string,
    private readonly options: { maxEntries: number; ttlSeconds: number; tail: LocalTail; onWritten: () => void; local?: boolean },
  ) {
    this.sharing = options.local !== true;
  }

  /** Whether events reach Redis as they come (their JSON is needed at once then). */
  get shared(): boolean {
    return this.sharing;
  }

  /**
   * Queues an event; resolves at once unless the buffer is full. A failed write is thrown by the
   * next call, so the worker sees a Redis failure as it would with one write per event. `data`
   * (the event's JSON) may be left out while the writer is local.
   */
  async add(event: string, data: string | undefined, value: unknown): Promise<void> {
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    if (this.options.local) {
      // The tail is about to drop its oldest entry, which a slow reader may not have read yet:
      // Redis keeps it from now on, as it keeps every shared run's.
      if (!this.sharing && this.options.tail.entries.length >= this.options.maxEntries) this.share();
      const entry = data === undefined ? { id: this.nextId(), event, value } : { id: this.nextId(), event, data, value };
      this.options.tail.append([entry]);
      this.options.onWritten();
      if (!this.sharing) return;
      this.buffer.push(entry);
    } else {
      this.buffer.push({ event, data, value });
    }
    this.flushing ??= this.drain();
    if (this.buffer.length >= MAX_BUFFERED) await this.flushing;
  }

  /** From now on events go to Redis, beginning with what the tail holds. */
  share(): void {
    if (this.sharing) return;
    this.sharing = true;
    this.buffer = [...this.options.tail.entries, ...this.buffer];
    if (this.buffer.length > 0) this.flushing ??= this.drain();
  }

  /** Waits until every queued event is written (or failed), without throwing. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** A stream id after every one this writer chose before ("<ms>-<seq>", as Redis makes them). */
  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.lastSeq = 0;
    } else this.lastSeq += 1;
    return `${this.lastMs}-${this.lastSeq}`;
  }

  private async drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.buffer.length > 0) {
        const batch = this.buffer;
        this.buffer = [];
        try {
          await this.write(batch);
        } catch (error) {
          this.failure = error instanceof Error ? error : new Error("The run's stream could not be written to Redis.", { cause: error });
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const trim = { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: this.options.maxEntries } } as const;
    const now = Date.now();
    const refresh = now - this.expiryRefreshedAt >= EXPIRY_REFRESH_MS;
    let ids: unknown[];
    if (batch.length === 1 && !refresh) {
      const entry = batch[0] as Pending;
      ids = [await this.client.xAdd(this.key, entry.id ?? "*", { event: entry.event, data: dataOf(entry) }, trim)];
    } else {
      const commands = this.client.multi();
      for (const entry of batch) commands.xAdd(this.key, entry.id ?? "*", { event: entry.event, data: dataOf(entry) }, trim);
      // With the expiry, atomically: a stream must never outlive its run for want of one.
      if (refresh) commands.expire(this.key, this.options.ttlSeconds);
      ids = await (refresh ? commands.exec() : commands.execAsPipeline());
    }
    if (refresh) this.expiryRefreshedAt = now;
    // A local writer's entries went to the tail when they were added.
    if (!this.options.local) {
      this.options.tail.append(batch.map((entry, index) => ({ id: String(ids[index]), event: entry.event, data: dataOf(entry), value: entry.value })));
      this.options.onWritten();
    }
  }
}
