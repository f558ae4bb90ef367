/**
 * In-process wake-ups: a run published an event, or a run was queued. Readers of a run's stream
 * also wake on a short timer of their own, which is how they see what other processes wrote to
 * Redis; idle queue workers wait without one, and one timer per process wakes one of them to
 * look at the queue. The local signal only spares the wait when the writer is this process.
 */
export class Wakeups {
  private readonly waiters = new Map<string, Set<(notified: boolean) => void>>();

  /** Wakes every waiter of `topic` (a run's readers: each needs the new entries). */
  notify(topic: string): void {
    const waiting = this.waiters.get(topic);
    if (!waiting) return;
    for (const wake of [...waiting]) wake(true);
  }

  /**
   * Wakes the longest-waiting waiter of `topic` only: one queued run needs one idle worker, and
   * waking them all would send every idle worker to the queue at once for a single run.
   */
  notifyOne(topic: string): void {
    const first = this.waiters.get(topic)?.values().next();
    if (first && !first.done) first.value(true);
  }

  /**
   * Resolves on `topic` (true), after `ms` or when `signal` aborts (false), whichever comes first;
   * without `ms`, on `topic` or `signal` only (an idle worker: a process-wide timer wakes one).
   */
  wait(topic: string, ms?: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let waiting = this.waiters.get(topic);
      if (!waiting) this.waiters.set(topic, (waiting = new Set()));
      const set = waiting;
      const done = (notified: boolean) => {
        if (timer !== undefined) clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(topic) === set) this.waiters.delete(topic);
        signal?.removeEventListener("abort", aborted);
        resolve(notified);
      };
      const aborted = () => done(false);
      const timer = ms === undefined ? undefined : setTimeout(() => done(false), ms);
      set.add(done);
      signal?.addEventListener("abort", aborted, { once: true });
    });
  }
}
