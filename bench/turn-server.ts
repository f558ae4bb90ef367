/**
 * The server side of `npm run bench:turn`: the app's real HTTP server (createApp, the same routes
 * `wellness serve` mounts) with the shaped stand-in model, run in its own process so its CPU time
 * can be read with process.cpuUsage. The benchmark drives it over HTTP and over IPC (model shape,
 * CPU readings, draining after-turn work, checking histories).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { serve } from "@hono/node-server";
import type { BaseMessage } from "@langchain/core/messages";
import { createWellnessAgent } from "../src/agent/index.js";
import { loadConfig } from "../src/config.js";
import { silentLogger } from "../src/logger.js";
import { CircuitBreaker } from "../src/redis/breaker.js";
import { closeRedis, connectRedis, isConnectionFailure } from "../src/redis/client.js";
import { KeySchema } from "../src/redis/keys.js";
import { authentication } from "../src/server/auth.js";
import { createApp } from "../src/server/app.js";
import { ShapedChatModel, type ModelShape } from "./shaped-model.js";

type Request =
  | { type: "shape"; shape: ModelShape }
  | { type: "cpu" }
  | { type: "drain" }
  | { type: "history"; sessions: string[] }
  | { type: "profile"; action: "start" }
  | { type: "profile"; action: "stop"; path: string }
  | { type: "stop" };

async function main(): Promise<void> {
  const config = loadConfig();
  const redis = await connectRedis({ url: config.redis.url });
  const model = new ShapedChatModel({ firstChunkMs: 0, chunkMs: 0, answerChunks: 20 });
  const agent = createWellnessAgent({ redis, config, model });
  await agent.loadKnowledge();
  const keys = new KeySchema(config.redis.keyPrefix);
  const breaker = new CircuitBreaker({ name: "redis", failureThreshold: 5, cooldownMs: 1000, isFailure: isConnectionFailure });
  const auth = authentication(new Map(), config.defaultUserId);
  const app = createApp({ redis, keys, breaker, log: silentLogger, memory: agent.memory, agent, auth });
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => process.send?.({ type: "ready", port: info.port }));
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
        const usage = process.cpuUsage();
        process.send?.({ type: "cpu", ms: (usage.user + usage.system) / 1000 });
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
      if (message.type === "stop") {
        await agent.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await closeRedis(redis);
        process.send?.({ type: "stopped" });
        process.disconnect();
        return;
      }
      process.send?.({ type: "ok" });
    })();
  });
}

await main();
