import type { SSEStreamingApi } from "hono/streaming";

/** Pending text past which `send` waits for the write in progress (the client reads slowly). */
const MAX_PENDING_CHARS = 64 * 1024;

/**
 * Server-sent events written together when they come together: events sent within one turn of
 * the event loop go out as one write rather than one each (an answer streams as many small token
 * events, and each write costs a pass through the web stream and the socket). Events sent apart,
 * as a local model's tokens are, still go out as they come. Data must be one line (JSON is).
 *
 * @example
 * ```ts
 * const events = new SseBatch(sse);
 * events.send("token", JSON.stringify({ text: "Hi" }));
 * await events.flush();
 * ```
 */
export class SseBatch {
  private pending = "";
  private writing: Promise<void> | undefined;

  constructor(private readonly sse: SSEStreamingApi) {}

  /** Queues an event; waits only when much is queued and a write is already in progress. */
  async send(event: string, data: string): Promise<void> {
    this.pending += `event: ${event}\ndata: ${data}\n\n`;
    this.writing ??= this.writeSoon();
    if (this.pending.length > MAX_PENDING_CHARS) await this.writing;
  }

  /** Writes everything queued. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeSoon(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pending !== "") {
        const text = this.pending;
        this.pending = "";
        await this.sse.write(text);
      }
    } finally {
      this.writing = undefined;
    }
  }
}
