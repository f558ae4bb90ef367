import { createWellnessAgent, type WellnessAgent } from "../src/agent/index.js";
import { loadConfig } from "../src/config.js";
import { loadEnvFile } from "../src/env-file.js";
import { createLogger } from "../src/logger.js";
import { closeRedis, connectionOptionsFrom, connectRedis, type RedisClient } from "../src/redis/client.js";

let runtime: Promise<{ agent: WellnessAgent; client: RedisClient }> | undefined;

/**
 * The agent behind the graphs that langgraph.json names, built on first use (never at import)
 * from the environment, once per process. The LangGraph dev server brings its own checkpointer,
 * so none is compiled in; memory and health data still come from Redis. A run without
 * configurable.userId acts for DEFAULT_USER_ID (Studio shows it in the configuration form), and
 * `.env` in the working directory is read first, as the `wellness` command does.
 */
export async function studioAgent(): Promise<WellnessAgent> {
  runtime ??= (async () => {
    loadEnvFile();
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const client = await connectRedis(
      connectionOptionsFrom(config.redis, { clientName: "wellness-studio", onError: (error) => log.warn(`Redis: ${error.message}`) }),
    );
    return { agent: createWellnessAgent({ redis: client, config, checkpointer: false, log, currentUser: () => config.defaultUserId }), client };
  })();
  return (await runtime).agent;
}

/** Closes the Redis connection the graphs opened (for servers and tests that shut down). */
export async function closeStudioAgent(): Promise<void> {
  const current = runtime;
  runtime = undefined;
  if (current) await closeRedis((await current).client);
}
