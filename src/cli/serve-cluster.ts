import cluster, { type Worker } from "node:cluster";
import { ServerStartError } from "../errors.js";
import type { Logger } from "../logger.js";

/**
 * The environment variable that tells a forked server process its slot (0 to N-1). Slot 0 does
 * the work one process does for all (the coaching schedule, the knowledge pack); a replacement
 * takes the slot of the process it replaces, so that work never stops or doubles.
 */
export const SERVE_SLOT_VARIABLE = "WELLNESS_SERVE_SLOT";

/** What the primary tells a server process: stop taking runs, finish, exit. */
export interface StopMessage {
  type: "wellness:stop";
}

/** What a server process tells the primary once its listener is up. */
export interface ReadyMessage {
  type: "wellness:ready";
  /** host:port its listener reports. */
  address: string;
}

export interface ServeClusterOptions {
  processes: number;
  log: Logger;
  /** At most this many replacements within `restartWindowMs` (default 5 in 60 s); past that the cluster gives up. */
  maxRestarts?: number;
  restartWindowMs?: number;
}

function isReady(message: unknown): message is ReadyMessage {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "wellness:ready";
}

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? "unknown"}`;
}

/** A server process that ended before it listened. */
class EarlyExit extends ServerStartError {}

/**
 * The primary's side of `wellness serve` on several processes (node:cluster): it forks one server
 * process per slot, all listening on the one port (the primary accepts connections and hands
 * them out in turn), and replaces a process that dies unexpectedly, at a bounded rate so that a
 * process that crashes at once is not restarted forever. `stop()` asks each process to stop
 * taking runs and finish its turns, and resolves once all have exited.
 *
 * @example
 * ```ts
 * const group = new ServeCluster({ processes: 2, log });
 * const address = await group.start();      // once every process listens
 * await Promise.race([untilSignal(log), group.failure]);
 * await group.stop();
 * ```
 */
export class ServeCluster {
  private readonly processes: number;
  private readonly log: Logger;
  private readonly maxRestarts: number;
  private readonly restartWindowMs: number;
  private readonly workers = new Map<number, Worker>();
  private readonly listening = new WeakSet<Worker>();
  private restarts: number[] = [];
  private stopping = false;
  private fail: (error: Error) => void = () => undefined;
  /** Rejects when server processes keep dying faster than the restart budget allows. */
  readonly failure: Promise<never>;

  constructor(options: ServeClusterOptions) {
    this.processes = options.processes;
    this.log = options.log;
    this.maxRestarts = options.maxRestarts ?? 5;
    this.restartWindowMs = options.restartWindowMs ?? 60_000;
    this.failure = new Promise<never>((_, reject) => (this.fail = reject));
    // Read by whoever races it; a failure nobody awaits yet must not crash the primary.
    this.failure.catch(() => undefined);
  }

  /** Forks every server process; resolves with the address they listen on once all do. */
  async start(): Promise<string> {
    const addresses = await Promise.all(Array.from({ length: this.processes }, (_, slot) => this.fork(slot)));
    return addresses[0] ?? "";
  }

  /** Asks every server process to stop taking runs and finish; resolves when all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.workers.values()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once("exit", () => resolve());
            // A process still starting may not listen for messages yet, and one whose channel is
            // gone cannot hear them: those are told by signal, which a server process also takes as stop.
            if (!this.listening.has(worker)) {
              worker.process.kill("SIGTERM");
              return;
            }
            const stop: StopMessage = { type: "wellness:stop" };
            worker.send(stop, undefined, (error) => {
              if (error) worker.process.kill("SIGTERM");
            });
          }),
      ),
    );
  }

  /** Kills every server process at once (a second Ctrl-C while they drain). */
  kill(): void {
    for (const worker of this.workers.values()) worker.process.kill("SIGKILL");
  }

  /** The pids of the server processes now running. */
  pids(): number[] {
    return [...this.workers.values()].flatMap((worker) => (worker.process.pid === undefined ? [] : [worker.process.pid]));
  }

  private fork(slot: number): Promise<string> {
    const worker = cluster.fork({ [SERVE_SLOT_VARIABLE]: String(slot) });
    this.workers.set(slot, worker);
    return new Promise<string>((resolve, reject) => {
      let listening = false;
      worker.on("message", (message: unknown) => {
        if (!isReady(message)) return;
        listening = true;
        this.listening.add(worker);
        resolve(message.address);
      });
      worker.once("exit", (code, signal) => {
        if (this.workers.get(slot) === worker) this.workers.delete(slot);
        const how = describeExit(code, signal);
        if (!listening) {
          reject(new EarlyExit(`Server process ${slot + 1} (pid ${worker.process.pid}) exited before it listened (${how}); its error is above.`));
          return;
        }
        if (!this.stopping) this.replace(slot, `Server process ${slot + 1} (pid ${worker.process.pid}) exited unexpectedly (${how})`);
      });
    });
  }

  /** Forks a replacement for `slot`, unless replacements have used up their budget. */
  private replace(slot: number, what: string): void {
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < this.restartWindowMs);
    if (this.restarts.length >= this.maxRestarts) {
      this.log.error(`${what}; ${this.maxRestarts} replacements within ${this.restartWindowMs / 1000} s already, so serve stops.`);
      this.fail(new ServerStartError(`Server processes kept exiting (${this.maxRestarts} replacements within ${this.restartWindowMs / 1000} s); see the errors above.`));
      return;
    }
    this.restarts.push(now);
    this.log.warn(`${what}; starting another.`);
    this.fork(slot).catch((error: unknown) => {
      if (!this.stopping) this.replace(slot, (error as Error).message.replace(/; its error is above\.$/u, ""));
    });
  }
}
