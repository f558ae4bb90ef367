import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { closeRedis, isCluster, type RedisClient } from "../redis/client.js";
import type { KeySchema } from "../redis/keys.js";
import { decodePublished } from "./codec.js";
import type { StoredEvent } from "./types.js";

export type EventListener = (event: StoredEvent) => void;

/**
 * Follows users' event channels live on one connection of its own: a duplicate of the client it
 * is given, in subscribe mode, created at the first `subscribe` and closed by `close()`. Any
 * number of listeners share it; a channel is subscribed while at least one listener of that user
 * is attached. A listener hears only its own user's channel, so one user never sees another's
 * events. Messages published while the connection is down are not replayed here: readers that
 * must not miss any ({@link EventBus.follow}) treat messages as a wake-up and read the log.
 *
 * @example
 * ```ts
 * const subscriber = new EventSubscriber(redis, keys);
 * const stop = await subscriber.subscribe("alice", (stored) => console.log(stored.event.type));
 * await stop();
 * await subscriber.close();
 * ```
 */
export class EventSubscriber {
  private connection: Promise<RedisClient> | undefined;
  private readonly listeners = new Map<string, Set<EventListener>>();
  private closed = false;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly log: Logger = silentLogger,
  ) {}

  /** Calls `listener` with each event published for `userId` from now on; resolves with the function that detaches it. */
  async subscribe(userId: string, listener: EventListener): Promise<() => Promise<void>> {
    const channel = this.keys.eventsChannel(userId);
    const connection = await this.connect();
    let listeners = this.listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(channel, listeners);
      const attached = listeners;
      await connection.subscribe(channel, (message: string) => this.dispatch(attached, message));
    }
    listeners.add(listener);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(channel);
      if (!this.closed && connection.isOpen) await connection.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Closes the subscribe-mode connection; listeners hear nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    const connection = await this.connection?.catch(() => undefined);
    this.connection = undefined;
    if (connection) await closeRedis(connection);
  }

  private connect(): Promise<RedisClient> {
    if (this.closed) return Promise.reject(new Error("the event subscriber is closed"));
    this.connection ??= (async () => {
      const duplicate: RedisClient = isCluster(this.client) ? this.client.duplicate() : this.client.duplicate();
      let lastError = "";
      duplicate.on("error", (error: Error) => {
        if (error.message !== lastError) this.log.warn(`event subscriber: ${error.message}`);
        lastError = error.message;
      });
      await duplicate.connect();
      return duplicate;
    })();
    this.connection.catch(() => {
      this.connection = undefined;
    });
    return this.connection;
  }

  private dispatch(listeners: ReadonlySet<EventListener>, message: string): void {
    const stored = decodePublished(message);
    if (!stored) return;
    for (const listener of listeners) {
      try {
        listener(stored);
      } catch (error) {
        this.log.warn(`event subscriber: a listener failed (${(error as Error).message})`);
      }
    }
  }
}
