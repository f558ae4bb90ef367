import { loadConfig } from "../config.js";
import { parseStreamId } from "../events/stream-id.js";
import type { StoredEvent } from "../events/types.js";
import { createLogger } from "../logger.js";
import { validateId } from "../redis/ids.js";
import { withRuntime } from "./connection.js";

export interface EventsOptions {
  user?: string;
  follow?: boolean;
  /** Print the events after this id instead of the newest `limit`. */
  after?: string;
  limit: number;
  json?: boolean;
}

/** One event as a terminal line: id, time, type, then the event's fields as key=value. */
export function eventLine(stored: StoredEvent): string {
  const { type, ...fields } = stored.event;
  const details = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${stored.id}  ${new Date(stored.at).toISOString()}  ${type}${details ? `  ${details}` : ""}`;
}

/**
 * `wellness events [--follow]`: prints a user's stored events (the newest `--limit`, or all after
 * `--after`), and with `--follow` keeps printing new ones as they are published until Ctrl-C,
 * resuming from the last printed id so none is missed or repeated.
 */
export async function eventsCommand(options: EventsOptions): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const userId = validateId("user id", options.user ?? config.defaultUserId);
  const after = options.after !== undefined ? parseStreamId(options.after) : undefined;
  const print = (stored: StoredEvent) => process.stdout.write(`${options.json ? JSON.stringify(stored) : eventLine(stored)}\n`);
  await withRuntime(config, log, async ({ events: bus }) => {
    const backlog = after !== undefined ? await bus.read(userId, after, options.limit) : await bus.latest(userId, options.limit);
    backlog.forEach(print);
    if (!options.follow) {
      if (backlog.length === 0 && !options.json) process.stderr.write(`No events for ${userId}${after ? ` after ${after}` : ""}.\n`);
      return;
    }
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (!options.json) process.stderr.write(`Following ${userId}'s events; Ctrl-C stops.\n`);
    try {
      const from = backlog.at(-1)?.id ?? after ?? (await bus.lastId(userId));
      for await (const stored of bus.follow(userId, from, { signal: controller.signal })) print(stored);
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  });
}
