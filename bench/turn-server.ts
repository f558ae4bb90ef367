/**
 * The server side of `npm run bench:turn`: the app's real server (the Agent Server with the app's
 * graphs, auth and routes, as `wellness serve` runs it) with the shaped stand-in model, run in its
 * own process so its CPU time can be read with process.cpuUsage. The benchmark drives it over HTTP and over IPC (model shape,
 * CPU readings, draining after-turn work, checking histories).
 *
 * With BENCH_SERVER_PROCESSES=N (N > 1) this process is the primary of `wellness serve`'s own
 * cluster (ServeCluster, src/cli/serve-cluster.ts): N server processes on the one port, each the
 * server below; the benchmark's requests go to every one of them (shape, drain), CPU is the sum
 * of theirs and the primary's, and histories are read by the first.
 */
import cluster from "node:cluster";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { BaseMessage } from "@langchain/core/messages";
import { appLangGraphConfig, startAgentServer } from "../src/agent-server/index.js";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/logger.js";
import { closeRedis, connectRedis } from "../src/redis/client.js";
import { createRuntime, installServedRuntime } from "../src/runtime/index.js";
import { ServeCluster, type ReadyMessage } from "../src/cli/serve-cluster.js";
import { ShapedChatModel, type ModelShape } from "./shaped-model.js";

type Request =
  | { type: "shape"; shape: ModelShape }
  | { type: "cpu" }
  | { type: "drain" }
  | { type: "history"; sessions: string[] }
  | { type: "profile"; action: "start" }
  | { type: "profile"; action: "stop"; path: string }
  | { type: "stop" }
  | { type: "wellness:stop" };

const PROCESSES = Number(process.env.BENCH_SERVER_PROCESSES ?? 1);

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const redis = await connectRedis({ url: config.redis.url });
  const model = new ShapedChatModel({ firstChunkMs: 0, chunkMs: 0, answerChunks: 20 });
  const runtime = await createRuntime(config, { redis, model, log: silentLogger, authenticatedCallers: { singleUser: true } });
  const { agent } = runtime;
  await agent.loadKnowledge();
  installServedRuntime(runtime);
  const port = Number(process.env.BENCH_SERVER_PORT);
  const server = await startAgentServer({
    client: redis,
    keys: runtime.keys,
    checkpointer: agent.checkpointer,
    store: runtime.store,
    langgraph: appLangGraphConfig(),
    host: "127.0.0.1",
    port,
    workers: config.server.runWorkers,
    threadTtlSeconds: config.memoryTtlSeconds,
    allowTruncate: false,
    warmSchemas: false,
    log: silentLogger,
  });
  if (cluster.isWorker) {
    const ready: ReadyMessage = { type: "wellness:ready", address: `127.0.0.1:${port}` };
    process.send?.(ready);
  } else {
    process.send?.({ type: "ready", port });
  }
  const inspector = new Session();
  process.on("message", (message: Request) => {
    void (async () => {
      if (message.type === "profile" && message.action === "start") {
        inspector.connect();
        await inspector.post("Profiler.enable");
        await inspector.post("Profiler.start");
      }
      if (message.type === "profile" && message.action === "stop") {
        const { profile } = await inspector.post("Profiler.stop");
        writeFileSync(message.path, JSON.stringify(profile));
        inspector.disconnect();
      }
      if (message.type === "shape") Object.assign(model.shape, message.shape);
      if (message.type === "drain") await agent.close();
      if (message.type === "cpu") {
        process.send?.({ type: "cpu", ms: cpuMs() });
        return;
      }
      if (message.type === "history") {
        const counts = await Promise.all(
          message.sessions.map(async (sessionId) => {
            const state = await agent.graph.getState({ configurable: { thread_id: sessionId } });
            const messages = (state.values as { messages?: BaseMessage[] }).messages ?? [];
            return { sessionId, questions: messages.filter((each) => each.getType() === "human").length, answers: messages.filter((each) => each.getType() === "ai" && (each as { tool_calls?: unknown[] }).tool_calls?.length === 0).length };
          }),
        );
        process.send?.({ type: "history", counts });
        return;
      }
      if (message.type === "stop" || message.type === "wellness:stop") {
        server.stop();
        await runtime.close();
        await closeRedis(redis);
        // The Agent Server has no close: its listener would keep the process alive after this.
        process.send?.({ type: "stopped" }, () => process.exit(0));
        return;
      }
      process.send?.({ type: "ok" });
    })();
  });
}

/**
 * The primary of N server processes: forks them as `wellness serve` does, and answers the
 * benchmark's requests by asking every server process (cpu summed with its own, drain and shape
 * everywhere) or the first (history).
 */
async function primary(): Promise<void> {
  const group = new ServeCluster({ processes: PROCESSES, log: silentLogger });
  const address = await group.start();
  process.send?.({ type: "ready", port: Number(address.slice(address.lastIndexOf(":") + 1)) });
  const ask = (worker: NonNullable<(typeof cluster.workers)>[string], message: Request) =>
    new Promise<{ type: string; ms?: number }>((resolve) => {
      worker?.once("message", resolve);
      worker?.send(message);
    });
  process.on("message", (message: Request) => {
    void (async () => {
      const workers = Object.values(cluster.workers ?? {});
      if (message.type === "stop") {
        await group.stop();
        process.send?.({ type: "stopped" }, () => process.exit(0));
        return;
      }
      if (message.type === "history" || message.type === "profile") {
        process.send?.(await ask(workers[0], message));
        return;
      }
      const replies = await Promise.all(workers.map((worker) => ask(worker, message)));
      if (message.type === "cpu") {
        process.send?.({ type: "cpu", ms: cpuMs() + replies.reduce((sum, reply) => sum + (reply.ms ?? 0), 0) });
        return;
      }
      process.send?.({ type: "ok" });
    })();
  });
}

await (cluster.isPrimary && PROCESSES > 1 ? primary() : main());
