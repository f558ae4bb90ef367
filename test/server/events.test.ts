import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus, type WellnessEvent } from "../../src/events/index.js";
import { silentLogger } from "../../src/index.js";
import { errorResponse } from "../../src/server/errors.js";
import { eventRoutes } from "../../src/server/routes/events.js";
import { listen, type ListeningApp } from "../support/http.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads an SSE response message by message (comments included), until `stop` says so. */
async function readSse(response: Response, stop: (message: SseMessage, all: SseMessage[]) => boolean): Promise<SseMessage[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const messages: SseMessage[] = [];
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return messages;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = {};
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) message.comment = line.slice(1).trim();
          else if (line.startsWith("id: ")) message.id = line.slice(4);
          else if (line.startsWith("event: ")) message.event = line.slice(7);
          else if (line.startsWith("data: ")) message.data = line.slice(6);
        }
        messages.push(message);
        if (stop(message, messages)) return messages;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const progress = (records: number): WellnessEvent => ({ type: "import.progress", bytesRead: records, totalBytes: 1_000_000, records });
const recordsOf = (messages: SseMessage[]) =>
  messages.filter((message) => message.event === "import.progress").map((message) => (JSON.parse(message.data!) as { records: number }).records);

describe("GET /api/events", () => {
  let test: TestConnection;
  let bus: EventBus;
  let server: ListeningApp;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "events-route" });
    bus = new EventBus({ client: test.client, keys: test.keys });
    const app = new Hono();
    app.onError((error, context) => errorResponse(error, context, silentLogger));
    app.route("/api/events", eventRoutes({ bus, userOf: (context) => context.req.header("x-test-user") ?? "nobody", heartbeatMs: 50, catchUpMs: 100 }));
    server = await listen(app);
  });

  afterAll(async () => {
    await server.close();
    await bus.close();
    await test.dispose();
  });

  async function publish(userId: string, from: number, to: number): Promise<void> {
    for (let i = from; i <= to; i++) {
      bus.publish(userId, progress(i));
      if (i % 100 === 0) await bus.drain();
    }
    await bus.drain();
  }

  const open = (userId: string, headers: Record<string, string> = {}, query = "") =>
    fetch(`${server.url}/api/events${query}`, { headers: { "x-test-user": userId, ...headers } });

  it("resumes after a reconnect from Last-Event-ID without a gap or a repeat, while events keep coming", async () => {
    await publish("ann", 1, 50);
    const first = await open("ann", {}, "?after=0");
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^text\/event-stream/u);
    const publishing = publish("ann", 51, 600);
    const before = await readSse(first, (_message, all) => recordsOf(all).length === 120);
    const lastId = before.filter((message) => message.id).at(-1)!.id!;
    await publishing;
    await publish("ann", 601, 700);

    const second = await open("ann", { "Last-Event-ID": lastId });
    const after = await readSse(second, (_message, all) => recordsOf(all).length === 580);
    expect([...recordsOf(before), ...recordsOf(after)]).toEqual(Array.from({ length: 700 }, (_, i) => i + 1));
    const ids = [...before, ...after].flatMap((message) => (message.id ? [message.id] : []));
    expect(new Set(ids).size).toBe(700);
  });

  it("streams only the caller's events, from the next one when no id is given", async () => {
    await publish("bob", 1, 3);
    const response = await open("bob");
    const reading = readSse(response, (message) => message.event !== undefined);
    await publish("cy", 1, 5);
    bus.publish("bob", { type: "session.created", sessionId: "s-bob" });
    const messages = await reading;
    const events = messages.filter((message) => message.event);
    expect(events).toHaveLength(1);
    expect(events[0]?.event).toBe("session.created");
    expect(JSON.parse(events[0]!.data!)).toMatchObject({ type: "session.created", sessionId: "s-bob", at: expect.any(Number) as number });
  });

  it("sends heartbeats while nothing happens", async () => {
    const response = await open("quiet", {}, "?after=0");
    const messages = await readSse(response, (message) => message.comment === "heartbeat");
    expect(messages.map((message) => message.comment)).toEqual(["connected", "heartbeat"]);
  });

  it("answers 400 for a Last-Event-ID that is not an event id", async () => {
    const response = await open("ann", { "Last-Event-ID": "1-2-3; DROP" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("ERR_VALIDATION");
  });
});
