import { EventEmitter } from "node:events";

/**
 * In-process wake-ups: a run published an event, or a run was queued. Waiters also wake on a
 * short timer, which is how they see what other processes wrote to Redis; the local signal only
 * spares the wait when the writer is this process.
 */
export class Wakeups {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  notify(topic: string): void {
    this.emitter.emit(topic);
  }

  /** Resolves on `topic`, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(topic: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(topic, done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.once(topic, done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
