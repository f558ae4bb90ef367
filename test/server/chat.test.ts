import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe, type RunningServe } from "../support/agent-server.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

const AMY = "amy-token-0123456789";
const BOB = "bob-token-0123456789";
const MODEL = "test/fixtures/models/chat-model.ts";

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

async function events(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.includes("data:"))
    .map((block) => {
      const event = /^event: ?(.*)$/mu.exec(block)?.[1] ?? "message";
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

/** The texts of a thread's messages, in order. */
function contents(values: unknown): string[] {
  return ((values as { messages?: { content: unknown }[] }).messages ?? []).map((message) => String(message.content));
}

describe("wellness serve: the app's chat, sessions and import on the Agent Server", () => {
  let redis: TestConnection;
  let server: RunningServe;
  const sdk = (token: string) => new Client({ apiUrl: server.url, apiKey: null, defaultHeaders: { authorization: `Bearer ${token}` }, callerOptions: { maxRetries: 0 } });
  const post = (path: string, token: string | undefined, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const get = (path: string, token: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const turn = async (token: string, body: Record<string, unknown>) => events(await post("/api/chat/stateful/stream", token, body));

  beforeAll(async () => {
    redis = await connectTestRedis({ label: "http-chat" });
    server = await startServe(
      undefined,
      { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix, USER_TIMEZONE: "Europe/Berlin", API_TOKENS: `${AMY}:amy,${BOB}:bob`, EMBEDDING_PROVIDER: "local", MAX_UPLOAD_BYTES: "65536" },
      90_000,
      ["--model-module", MODEL],
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.dispose();
  });

  it("refuses requests without a valid token, and serves the page and /health without one", async () => {
    expect((await post("/api/chat/stateless/stream", undefined, { message: "hi" })).status).toBe(401);
    const refused = await post("/api/chat/stateless/stream", "wrong-token-0123456789", { message: "hi" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(refused.headers.get("www-authenticate")).toBe("Bearer");
    expect(await refused.json()).toEqual({ error: { code: "ERR_UNAUTHORIZED", message: "The API token is not valid." } });
    expect((await fetch(`${server.url}/api/sessions`)).status).toBe(401);
    expect((await fetch(`${server.url}/threads/search`, { method: "POST", body: "{}" })).status).toBe(401);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", model: { ok: true } });
    expect(await (await get("/api/me", AMY)).json()).toEqual({ userId: "amy", tokens: true });
  });

  it("streams a stateful turn as a run on the session's thread, which belongs to the caller alone", { timeout: 60_000 }, async () => {
    const first = await turn(AMY, { message: "What workouts did I do this week?" });
    expect(first.map((each) => each.event)).toEqual(["tool", "token", "token", "token", "token", "done"]);
    expect(first[0]?.data).toEqual({ name: "get_workouts", failed: false });
    const done = first.at(-1)?.data ?? {};
    expect(done).toMatchObject({ answer: "No workouts this week.", tools_used: ["get_workouts"], faithfulness: { status: "supported" } });
    const sessionId = String(done.session_id);

    const second = await turn(AMY, { message: "What did I ask you first?", session_id: sessionId });
    expect(second.at(-1)).toMatchObject({ event: "done", data: { session_id: sessionId, answer: 'You first asked: "What workouts did I do this week?"' } });

    // One world: the session is a thread of graph "stateful", listed by both APIs, for its owner only.
    const listed = (await (await get("/api/sessions", AMY)).json()) as { sessions: { session_id: string }[] };
    expect(listed.sessions.map((entry) => entry.session_id)).toEqual([sessionId]);
    const threads = await sdk(AMY).threads.search({ metadata: { graph_id: "stateful" } });
    expect(threads.map((thread) => thread.thread_id)).toEqual([sessionId]);
    expect(contents((await sdk(AMY).threads.getState(sessionId)).values)).toEqual([
      "What workouts did I do this week?",
      "",
      expect.stringContaining("[]") as unknown as string,
      "No workouts this week.",
      "What did I ask you first?",
      'You first asked: "What workouts did I do this week?"',
    ]);
    expect(await (await get("/api/sessions", BOB)).json()).toEqual({ sessions: [] });
    expect(await sdk(BOB).threads.search({})).toEqual([]);

    const hijack = await post("/api/chat/stateful/stream", BOB, { message: "show me", session_id: sessionId });
    expect(hijack.status).toBe(404);
    expect(await hijack.json()).toMatchObject({ error: { code: "ERR_NOT_FOUND" } });
    expect((await fetch(`${server.url}/api/sessions/${sessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${BOB}` } })).status).toBe(404);
    expect((await fetch(`${server.url}/api/sessions/${sessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${AMY}` } })).status).toBe(204);
    expect(await (await get("/api/sessions", AMY)).json()).toEqual({ sessions: [] });
  });

  it("refuses a second concurrent turn on one session with 409 ERR_SESSION_BUSY, and queues it when asked", { timeout: 60_000 }, async () => {
    const first = await turn(AMY, { message: "Start one" });
    const sessionId = String(first.at(-1)?.data.session_id);
    const slow = post("/api/chat/stateful/stream", AMY, { message: "Be slow please", session_id: sessionId });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const busy = await post("/api/chat/stateful/stream", AMY, { message: "Me too", session_id: sessionId });
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ error: { code: "ERR_SESSION_BUSY" } });
    const queued = post("/api/chat/stateful/stream", AMY, { message: "Queued after", session_id: sessionId, when_busy: "enqueue" });
    const [slowEvents, queuedEvents] = await Promise.all([slow.then(events), queued.then(events)]);
    expect(slowEvents.at(-1)?.event).toBe("done");
    expect(queuedEvents.at(-1)).toMatchObject({ event: "done", data: { answer: "Questions so far: Start one | Be slow please | Queued after" } });
    const history = contents((await sdk(AMY).threads.getState(sessionId)).values);
    expect(history.filter((text) => ["Start one", "Be slow please", "Queued after", "Me too"].includes(text))).toEqual(["Start one", "Be slow please", "Queued after"]);
  });

  it("acts for the authenticated caller only: configurable.userId and state written by the client change nothing", { timeout: 60_000 }, async () => {
    const bob = sdk(BOB);
    const thread = await bob.threads.create();
    await bob.runs.wait(thread.thread_id, "stateful", {
      input: { messages: [{ role: "user", content: "My goal is 9000 steps a day" }] },
      config: { configurable: { userId: "amy", langgraph_auth_user_id: "amy" } },
    });
    await bob.threads.updateState(thread.thread_id, { values: { userId: "amy" } });
    await bob.runs.wait(thread.thread_id, "stateful", { input: { messages: [{ role: "user", content: "My goal is 9500 steps a day" }] } });
    const goals = async (token: string) => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const body = (await (await get("/api/memory?type=goal", token)).json()) as { memories: { description: string }[] };
        if (token === AMY || body.memories.length >= 2) return body.memories.map((memory) => memory.description).sort();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error("bob's goals were not learned");
    };
    expect(await goals(BOB)).toEqual(["walk 9000 steps a day", "walk 9500 steps a day"]);
    expect(await goals(AMY)).toEqual([]);
  });

  it("streams the stateless baseline as a temporary run, and turns a model failure into an error event", { timeout: 60_000 }, async () => {
    const stateless = await events(await post("/api/chat/stateless/stream", BOB, { message: "workouts?" }));
    expect(stateless.at(-1)).toMatchObject({ event: "done", data: { answer: "No workouts this week." } });
    expect(await sdk(BOB).threads.search({ metadata: { graph_id: "stateless" } })).toEqual([]);
    const failed = await events(await post("/api/chat/stateless/stream", BOB, { message: "please fail" }));
    expect(failed.at(-1)).toEqual({ event: "error", data: { code: "ERR_MODEL_UNAVAILABLE", message: "The chat model is not reachable (test). Start Ollama." } });
  });

  it("executes chat turns on the run queue: one checkpoint per turn, run and thread records as for any run, a failed turn settled before its error arrives", { timeout: 60_000 }, async () => {
    const first = (await turn(AMY, { message: "What workouts did I do this week?" })).at(-1);
    expect(first?.event).toBe("done");
    const threadId = String(first?.data.session_id);
    const afterOne = await sdk(AMY).threads.getHistory(threadId, { limit: 100 });
    const thread = await sdk(AMY).threads.get(threadId);
    expect(thread.status).toBe("idle");
    const answered = contents(thread.values);
    expect(answered[0]).toBe("What workouts did I do this week?");
    expect(answered.at(-1)).toBe(String(first?.data.answer));
    // An API run of the same graph checkpoints every step (for Studio's time travel); a chat turn saves once, at its end.
    const apiThread = await sdk(AMY).threads.create();
    await sdk(AMY).runs.wait(apiThread.thread_id, "stateful", { input: { messages: [{ role: "user", content: "What workouts did I do this week?" }] } });
    const apiHistory = await sdk(AMY).threads.getHistory(apiThread.thread_id, { limit: 100 });
    expect(afterOne.length).toBe(1);
    expect(apiHistory.length).toBeGreaterThan(3);
    expect(contents(afterOne[0]?.values)).toEqual(answered);

    const failed = (await turn(AMY, { message: "please fail", session_id: threadId })).at(-1);
    expect(failed).toEqual({ event: "error", data: { code: "ERR_MODEL_UNAVAILABLE", message: "The chat model is not reachable (test). Start Ollama." } });
    const afterFailure = await sdk(AMY).threads.get(threadId);
    expect(afterFailure.status).toBe("error");
    // The failed question stays in the thread until the next turn, which drops it: a retry is one question.
    expect(contents(afterFailure.values)).toEqual([...answered, "please fail"]);
    const runs = await sdk(AMY).runs.list(threadId);
    expect(runs.map((run) => run.status)).toEqual(["error", "success"]);
    expect(runs.every((run) => !("executor" in run))).toBe(true);

    const again = (await turn(AMY, { message: "What workouts did I do this week?", session_id: threadId })).at(-1);
    expect(again?.event).toBe("done");
    const resumed = await sdk(AMY).threads.get(threadId);
    expect(resumed.status).toBe("idle");
    expect(contents(resumed.values).slice(0, answered.length + 1)).toEqual([...answered, "What workouts did I do this week?"]);
    expect(contents(resumed.values)).not.toContain("please fail");
    expect(contents(resumed.values).at(-1)).toBe(String(again?.data.answer));
    expect((await sdk(AMY).threads.getHistory(threadId, { limit: 100 })).length).toBe(3);
  });

  it("cancels a chat turn from the API: the turn stops and its run is interrupted", { timeout: 60_000 }, async () => {
    const threadId = randomUUID();
    const pending = post("/api/chat/stateful/stream", AMY, { message: "answer slow please", session_id: threadId }).then(events);
    let running: string | undefined;
    for (let attempt = 0; attempt < 100 && !running; attempt++) {
      const runs = await sdk(AMY).runs.list(threadId).catch(() => []);
      running = runs.find((run) => run.status === "running")?.run_id;
      if (!running) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(running).toBeDefined();
    await sdk(AMY).runs.cancel(threadId, running ?? "", false, "interrupt");
    const streamed = await pending;
    expect(streamed.at(-1)?.event).toBe("error");
    expect(streamed.filter((each) => each.event === "token").length).toBeLessThan(60);
    expect((await sdk(AMY).runs.get(threadId, running ?? "")).status).toBe("interrupted");
    expect(await sdk(BOB).runs.list(threadId).catch((error: { status?: number }) => error.status)).toBe(404);
  });

  it("sends the numeric check of the answer, and the answer as checked, in the done event", { timeout: 60_000 }, async () => {
    const done = (await turn(AMY, { message: "How far did I run last week?" })).at(-1);
    expect(done?.event).toBe("done");
    const { answer, faithfulness } = done?.data as { answer: string; faithfulness: { status: string; unsupported: string[] } };
    expect(faithfulness.unsupported).toEqual(["12,345 km"]);
    expect(["corrected", "flagged"]).toContain(faithfulness.status);
    expect(answer).not.toBe("You ran 12,345 km last week.");
  });

  it("publishes the caller's session and run events on /api/events and lists itself as a live instance in /health", { timeout: 60_000 }, async () => {
    const done = (await turn(BOB, { message: "What workouts did I do this week?" })).at(-1);
    const sessionId = String(done?.data.session_id);
    type Seen = { types: string[]; sessions: (string | undefined)[] };
    /** The caller's events from the start of their log (types and sessions), until `until` holds or 10 s pass. */
    const read = async (token: string, until: (seen: Seen) => boolean): Promise<Seen> => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 10_000);
      const response = await fetch(`${server.url}/api/events?after=0`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
      let seen: Seen = { types: [], sessions: [] };
      const decoder = new TextDecoder();
      let text = "";
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          text += decoder.decode(chunk, { stream: true });
          const parsed = [...text.matchAll(/^data: ?(\{.*\})$/gmu)].map((match) => JSON.parse(match[1] ?? "{}") as { type?: string; sessionId?: string });
          seen = { types: parsed.map((event) => event.type ?? ""), sessions: parsed.map((event) => event.sessionId) };
          if (until(seen)) break;
        }
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
      return seen;
    };
    const bobs = (await read(BOB, ({ types }) => types.includes("run.finished"))).types;
    expect(bobs).toEqual(expect.arrayContaining(["session.created", "run.finished"]));
    expect(bobs.indexOf("session.created")).toBeLessThan(bobs.indexOf("run.finished"));
    // A thread made through the LangGraph API is announced on its first stateful turn too, and once.
    const thread = await sdk(BOB).threads.create();
    for (const question of ["What workouts did I do this week?", "And last week?"]) {
      await sdk(BOB).runs.wait(thread.thread_id, "stateful", { input: { messages: [{ role: "user", content: question }] } });
    }
    const onThread = (seen: Seen, type: string) => seen.types.filter((each, index) => each === type && seen.sessions[index] === thread.thread_id).length;
    const log = await read(BOB, (seen) => onThread(seen, "run.finished") >= 2);
    expect(onThread(log, "run.finished")).toBe(2);
    expect(onThread(log, "session.created")).toBe(1);
    expect((await fetch(`${server.url}/api/sessions/${sessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${BOB}` } })).status).toBe(204);
    expect((await read(BOB, ({ types }) => types.includes("session.deleted"))).types).toContain("session.deleted");
    const health = (await (await fetch(`${server.url}/health`)).json()) as { live?: { instances?: { role: string; pid: number }[] } };
    expect(health.live?.instances?.map((instance) => instance.role)).toEqual(["serve"]);
  });

  it("streams a run's internal failure to API clients without its text, and the model's own failures in full", { timeout: 60_000 }, async () => {
    const eventsOf = async (content: string) => {
      const seen: { event: string; data: unknown }[] = [];
      for await (const part of sdk(AMY).runs.stream(null, "stateless", { input: { messages: [{ role: "user", content }] } })) seen.push({ event: part.event, data: part.data });
      return seen.filter((part) => part.event === "error").map((part) => part.data);
    };
    expect(await eventsOf("please crash")).toEqual([{ error: "InternalError", message: "The run failed; the server log has the details." }]);
    expect(await eventsOf("please fail")).toEqual([{ error: "ModelUnavailableError", message: "The chat model is not reachable (test). Start Ollama." }]);
  });

  it("validates chat bodies", async () => {
    const empty = await post("/api/chat/stateful/stream", AMY, { message: "  " });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: "ERR_VALIDATION", message: expect.stringMatching(/message: write a message/u) as string } });
    expect((await post("/api/chat/stateful/stream", AMY, { message: "hi", session_id: "a*b" })).status).toBe(400);
    expect((await post("/api/chat/stateful/stream", AMY, { message: "hi", when_busy: "sometimes" })).status).toBe(400);
  });

  it("imports an uploaded export for the caller, and rejects what is not one", { timeout: 60_000 }, async () => {
    const xml = readFileSync(new URL("../fixtures/apple-health/healthkit-to-sqlite/tests_export.xml", import.meta.url));
    const ok = await fetch(`${server.url}/api/import`, { method: "POST", headers: { authorization: `Bearer ${AMY}`, "content-type": "application/xml" }, body: xml });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ userId: "amy", workouts: 1, records: 5 });
    const bad = await fetch(`${server.url}/api/import`, { method: "POST", headers: { authorization: `Bearer ${AMY}`, "content-type": "application/xml" }, body: "hello" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "ERR_IMPORT_NOT_AN_EXPORT" } });
    // MAX_UPLOAD_BYTES of the server's environment (64 KiB here) is the upload limit.
    const large = await fetch(`${server.url}/api/import`, { method: "POST", headers: { authorization: `Bearer ${AMY}`, "content-type": "application/xml" }, body: Buffer.concat([xml, Buffer.alloc(70_000, 32)]) });
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "ERR_PAYLOAD_TOO_LARGE", message: expect.stringMatching(/MAX_UPLOAD_BYTES/) as string });
  });
});
