import { ReflectionFailedError, Reflections } from "../coaching/reflections.js";
import { checkpointTranscript } from "../coaching/transcript.js";
import { loadConfig } from "../config.js";
import { createLogger, type Logger } from "../logger.js";
import type { EpisodicRecord } from "../memory/episodic.js";
import { checkpointerFromConfig, memoryFromConfig, runtimeChatModel } from "../runtime/from-config.js";
import { validateId } from "../redis/ids.js";
import { withRuntime } from "./connection.js";

export interface ReflectCommandOptions {
  user?: string;
  session?: string;
  json?: boolean;
}

/** Sessions looked at when no --session is given: the user's most recent ones. */
const RECENT_SESSIONS = 20;

/** The insights written for `ids`; a session the model fails on is logged and skipped, unless every one fails. */
async function reflectOn(reflections: Reflections, userId: string, ids: readonly string[], log: Logger): Promise<EpisodicRecord[]> {
  const insights: EpisodicRecord[] = [];
  let failed: ReflectionFailedError | undefined;
  for (const sessionId of ids) {
    try {
      const insight = await reflections.reflect(userId, sessionId);
      if (insight) insights.push(insight);
    } catch (error) {
      if (!(error instanceof ReflectionFailedError)) throw error;
      failed = error;
      log.warn(error.message);
    }
  }
  if (failed && insights.length === 0) throw failed;
  return insights;
}

/**
 * `wellness reflect [--user ID] [--session ID] [--json]`: writes the reflection on one session,
 * or on each of the user's recent sessions with activity no reflection covers yet, now, without
 * waiting for them to be idle. A session the model fails on stays queued for the worker.
 */
export async function reflectCommand(options: ReflectCommandOptions): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const userId = validateId("user id", options.user ?? config.defaultUserId);
  const written = await withRuntime(config, log, async ({ redis: client, keys, events, models }) => {
    const { checkpointer, sessions } = checkpointerFromConfig(client, config);
    const memory = memoryFromConfig(client, config, { events, models, log });
    const reflections = new Reflections({
      client,
      keys,
      memory,
      model: runtimeChatModel(config, { models }),
      transcript: checkpointTranscript(checkpointer),
      ttlSeconds: config.memoryTtlSeconds,
      log,
    });
    const ids = options.session ? [validateId("session id", options.session)] : (await sessions.forUser(userId, RECENT_SESSIONS)).map((entry) => entry.sessionId);
    try {
      return await reflectOn(reflections, userId, ids, log);
    } finally {
      await memory.drain();
    }
  });
  process.stdout.write(
    options.json
      ? `${JSON.stringify(written, null, 2)}\n`
      : written.length === 0
        ? `Nothing new to reflect on for ${userId}.\n`
        : `${written.map((insight) => `${insight.id}  [insight, ${String(insight.metadata.sessionId)}] ${insight.description}`).join("\n")}\n`,
  );
}
