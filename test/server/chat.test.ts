import { readFileSync } from "node:fs";
import { AIMessage, isToolMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker, createApp, createWellnessAgent, LocalEmbeddings, loadConfig, ModelUnavailableError, silentLogger } from "../../src/index.js";
import { authentication } from "../../src/server/auth.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { ScriptedChatModel, toolCall } from "../support/scripted-model.js";

const AMY = "amy-token-0123456789";
const BOB = "bob-token-0123456789";

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

describe("HTTP chat, sessions and import", () => {
  let test: TestConnection;
  let app: ReturnType<typeof createApp>;
  let failing = false;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "http-chat" });
    const model = new ScriptedChatModel((call) => {
      if (failing) throw new ModelUnavailableError("The chat model is not reachable (test). Start Ollama.");
      const last = call.messages.at(-1);
      return last && isToolMessage(last) ? new AIMessage("No workouts this week.") : toolCall("get_workouts", { period: "this week" });
    });
    const config = loadConfig({ REDIS_KEY_PREFIX: test.prefix, USER_TIMEZONE: "Europe/Berlin" });
    const agent = createWellnessAgent({ redis: test.client, config, model, embeddings: new LocalEmbeddings() });
    app = createApp({
      redis: test.client,
      keys: test.keys,
      breaker: new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1000 }),
      log: silentLogger,
      memory: agent.memory,
      agent,
      auth: authentication(
        new Map([
          [AMY, "amy"],
          [BOB, "bob"],
        ]),
        "unused",
      ),
      indexTtlSeconds: 3600,
      modelHealth: () => Promise.resolve({ ok: false, error: "ECONNREFUSED" }),
    });
  });

  afterAll(async () => {
    await test.dispose();
  });

  const post = (path: string, token: string | undefined, body: unknown) =>
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it("refuses requests without a valid token", async () => {
    const none = await post("/api/chat/stateless/stream", undefined, { message: "hi" });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: "ERR_UNAUTHORIZED", message: "Send Authorization: Bearer <token> with a token from API_TOKENS." } });
    expect((await post("/api/chat/stateless/stream", "wrong-token-0123456789", { message: "hi" })).status).toBe(401);
    expect((await app.request("/api/sessions")).status).toBe(401);
  });

  it("streams a stateful turn as JSON server-sent events and keeps the session per user", async () => {
    const first = await events(await post("/api/chat/stateful/stream", AMY, { message: "What workouts did I do this week?" }));
    expect(first.map((each) => each.event)).toEqual(["tool", "token", "done"]);
    expect(first[0]?.data).toEqual({ name: "get_workouts", failed: false });
    expect(first[1]?.data).toEqual({ text: "No workouts this week." });
    const done = first[2]?.data ?? {};
    expect(done).toMatchObject({ answer: "No workouts this week.", tools_used: ["get_workouts"] });
    expect(typeof done.session_id).toBe("string");
    expect(done.latency_ms).toBeGreaterThanOrEqual(0);
    const sessionId = String(done.session_id);

    const second = await events(await post("/api/chat/stateful/stream", AMY, { message: "And last week?", session_id: sessionId }));
    expect(second.at(-1)).toMatchObject({ event: "done", data: { session_id: sessionId } });

    const listed = (await (await app.request("/api/sessions", { headers: { authorization: `Bearer ${AMY}` } })).json()) as { sessions: { session_id: string }[] };
    expect(listed.sessions.map((entry) => entry.session_id)).toEqual([sessionId]);
    expect((await (await app.request("/api/sessions", { headers: { authorization: `Bearer ${BOB}` } })).json())).toEqual({ sessions: [] });

    const hijack = await post("/api/chat/stateful/stream", BOB, { message: "show me", session_id: sessionId });
    expect(hijack.status).toBe(404);
    expect((await app.request(`/api/sessions/${sessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${BOB}` } })).status).toBe(404);
    expect((await app.request(`/api/sessions/${sessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${AMY}` } })).status).toBe(204);
    expect((await (await app.request("/api/sessions", { headers: { authorization: `Bearer ${AMY}` } })).json())).toEqual({ sessions: [] });
  });

  it("streams the stateless baseline, and turns a model failure into an error event", async () => {
    const stateless = await events(await post("/api/chat/stateless/stream", BOB, { message: "workouts?" }));
    expect(stateless.at(-1)).toMatchObject({ event: "done", data: { answer: "No workouts this week." } });
    failing = true;
    try {
      const failed = await events(await post("/api/chat/stateless/stream", BOB, { message: "workouts?" }));
      expect(failed.at(-1)).toEqual({ event: "error", data: { code: "ERR_MODEL_UNAVAILABLE", message: "The chat model is not reachable (test). Start Ollama." } });
    } finally {
      failing = false;
    }
  });

  it("validates chat bodies", async () => {
    const empty = await post("/api/chat/stateful/stream", AMY, { message: "  " });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: "ERR_VALIDATION", message: expect.stringMatching(/message: write a message/u) as string } });
    expect((await post("/api/chat/stateful/stream", AMY, { message: "hi", session_id: "a*b" })).status).toBe(400);
  });

  it("imports an uploaded export for the caller, and rejects what is not one", async () => {
    const xml = readFileSync(new URL("../fixtures/apple-health/healthkit-to-sqlite/tests_export.xml", import.meta.url));
    const ok = await app.request("/api/import", { method: "POST", headers: { authorization: `Bearer ${AMY}` }, body: xml });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ userId: "amy", workouts: 1, records: 5 });
    const bad = await app.request("/api/import", { method: "POST", headers: { authorization: `Bearer ${AMY}` }, body: "hello" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "ERR_IMPORT_NOT_AN_EXPORT" } });
  });

  it("reports the chat model in /health without failing it", async () => {
    const response = await app.request("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", model: { ok: false, error: "ECONNREFUSED" } });
  });
});
