import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../support/ports.js";
import { connectTestRedis, deletePrefix, uniquePrefix, type TestConnection } from "../support/redis.js";

const root = new URL("../../", import.meta.url).pathname;
const START_TIMEOUT_MS = 150_000;

interface Assistant {
  assistant_id: string;
  graph_id: string;
}

interface JsonSchema {
  properties?: Record<string, { default?: unknown; description?: string }>;
}

/**
 * `npm run studio` exactly as a user runs it: LangGraph's dev server on the project's
 * langgraph.json, asked over HTTP for its assistants, their schemas and one run.
 */
describe("npm run studio", () => {
  let test: TestConnection;
  let studio: ChildProcess | undefined;
  let base: string;
  let output = "";
  const prefix = uniquePrefix("studio");

  beforeAll(async () => {
    test = await connectTestRedis();
    const port = await freePort();
    const closedPort = await freePort();
    base = `http://127.0.0.1:${port}`;
    studio = spawn("npm", ["run", "studio", "--", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        REDIS_URL: inject("redisUrl"),
        REDIS_KEY_PREFIX: prefix,
        DEFAULT_USER_ID: "studio-user",
        OLLAMA_BASE_URL: `http://127.0.0.1:${closedPort}`,
        LANGSMITH_TRACING: "false",
      },
    });
    studio.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
    studio.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (studio.exitCode !== null) throw new Error(`npm run studio exited with ${studio.exitCode}:\n${output}`);
      const ready = await fetch(`${base}/ok`).then((response) => response.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`npm run studio did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
      await new Promise((wait) => setTimeout(wait, 500));
    }
  }, START_TIMEOUT_MS + 10_000);

  afterAll(async () => {
    if (studio?.pid !== undefined && studio.exitCode === null) {
      const exited = new Promise((resolve) => studio?.once("exit", resolve));
      process.kill(-studio.pid, "SIGTERM");
      await exited;
    }
    await deletePrefix(test.client, prefix);
    await test.dispose();
  }, 30_000);

  async function json<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await fetch(`${base}${path}`, { ...init, ...(init?.body ? { headers: { "content-type": "application/json" } } : {}) });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
    return (await response.json()) as T;
  }

  it("registers both graphs of langgraph.json as assistants", async () => {
    const assistants = await json<Assistant[]>("/assistants/search", { method: "POST", body: JSON.stringify({}) });
    expect(assistants.map((assistant) => assistant.graph_id).sort()).toEqual(["stateful", "stateless"]);
  });

  it("shows only messages as input and output, and the user id with its default as configuration", async () => {
    const [stateful] = await json<Assistant[]>("/assistants/search", { method: "POST", body: JSON.stringify({ graph_id: "stateful" }) });
    const schemas = await json<{ input_schema: JsonSchema; output_schema: JsonSchema; config_schema: JsonSchema }>(`/assistants/${stateful?.assistant_id}/schemas`);
    expect(Object.keys(schemas.input_schema.properties ?? {})).toEqual(["messages"]);
    expect(Object.keys(schemas.output_schema.properties ?? {})).toEqual(["messages"]);
    const userId = schemas.config_schema.properties?.userId;
    expect(userId?.default).toBe("studio-user");
    expect(userId?.description).toMatch(/DEFAULT_USER_ID/);
  });

  it("runs without configurable.userId as DEFAULT_USER_ID, so the turn gets as far as the chat model", async () => {
    const thread = await json<{ thread_id: string }>("/threads", { method: "POST", body: JSON.stringify({}) });
    const result = await json<{ __error__?: { message: string } }>(`/threads/${thread.thread_id}/runs/wait`, {
      method: "POST",
      body: JSON.stringify({ assistant_id: "stateful", input: { messages: [{ role: "user", content: "How did I sleep last week?" }] } }),
    });
    expect(result.__error__?.message).toMatch(/The chat model qwen2\.5:7b at http:\/\/127\.0\.0\.1:\d+ is not reachable/);
    expect(result.__error__?.message).not.toMatch(/ToolContextError|user id is missing/);
  }, 60_000);
});
