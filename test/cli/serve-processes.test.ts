import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startWellness, wellness, type RunningCli } from "../support/cli.js";
import { connectTestRedis, deletePrefix, uniquePrefix } from "../support/redis.js";
import { inLetters } from "../fixtures/models/pid-model.js";

const MODEL = "test/fixtures/models/pid-model.ts";

/**
 * POSTs on a connection of its own (no keep-alive agent), so that each request is a new
 * connection for the primary to hand to the next server process in turn.
 */
function postAlone(port: number, path: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const sent = request({ host: "127.0.0.1", port, path, method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
      response.on("error", reject);
    });
    sent.on("error", reject);
    sent.end(payload);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function answersOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("wellness serve --processes 2", () => {
  const prefix = uniquePrefix("cli-processes");
  let cli: RunningCli | undefined;

  afterAll(async () => {
    if (cli?.child.exitCode === null) cli.child.kill("SIGKILL");
    const redis = await connectTestRedis();
    await deletePrefix(redis.client, prefix);
    await redis.dispose();
  });

  it("serves one port from two processes, keeps a session's history whole across them, replaces one that dies, and stops them all on SIGTERM", { timeout: 180_000 }, async () => {
    cli = startWellness(["serve", "--port", "0", "--processes", "2", "--model-module", MODEL], { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix }, 120_000);
    const [, listening] = await cli.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+) .*; 2 server processes/);
    const port = Number(listening);

    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { live: { instances: { pid: number }[] } };
    const servers = health.live.instances.map((instance) => instance.pid);
    expect(new Set(servers).size).toBe(2);
    expect(servers).not.toContain(cli.child.pid);

    const session = randomUUID();
    for (let turn = 1; turn <= 20; turn++) {
      const { status, text } = await postAlone(port, "/api/chat/stateful/stream", { message: `question ${turn}`, session_id: session });
      expect(status).toBe(200);
      expect(text).toContain("event: done");
    }

    // Each answer names the process that ran its turn and how many questions its history held.
    const state = (await (await fetch(`http://127.0.0.1:${port}/threads/${session}/state`)).json()) as { values: { messages: { type: string; content: string }[] } };
    const messages = state.values.messages;
    expect(messages.filter((message) => message.type === "human").map((message) => message.content)).toEqual(Array.from({ length: 20 }, (_, index) => `question ${index + 1}`));
    const answers = messages.filter((message) => message.type === "ai").map((message) => /^process ([a-j]+) saw ([a-j]+) questions$/u.exec(message.content));
    expect(answers.map((answer) => answer?.[2])).toEqual(Array.from({ length: 20 }, (_, index) => inLetters(index + 1)));
    expect([...new Set(answers.map((answer) => answer?.[1]))].sort()).toEqual(servers.map(inLetters).sort());

    // A server process that dies is replaced, and the port keeps answering.
    const [killed = 0] = servers;
    process.kill(killed, "SIGKILL");
    await cli.waitFor(new RegExp(`Server process \\d \\(pid ${killed}\\) exited unexpectedly \\(signal SIGKILL\\); starting another\\.`));
    let replacement: number | undefined;
    while (replacement === undefined) {
      const live = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { live: { instances: { pid: number }[] } };
      replacement = live.live.instances.map((instance) => instance.pid).find((pid) => !servers.includes(pid));
      if (replacement === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (let turn = 0; turn < 4; turn++) expect((await postAlone(port, "/api/chat/stateless/stream", { message: "still there?" })).text).toContain("event: done");

    cli.child.kill("SIGTERM");
    expect(await cli.exit).toBe(0);
    for (const pid of [...servers, replacement]) expect(isAlive(pid)).toBe(false);
    expect(await answersOn(port)).toBe(false);
  });

  it("refuses a process count that is not a whole number from 1 to 256 or auto", async () => {
    const result = await wellness(["serve", "--processes", "0"], { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--processes <n>.*expected a whole number from 1 to 256, or auto/);
  });
});
