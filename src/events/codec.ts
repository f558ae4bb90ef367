import { streamIdTime } from "./stream-id.js";
import { wellnessEventSchema, type StoredEvent } from "./types.js";

/**
 * How events travel. In the log, an entry has the fields `type` and `event` (the event's JSON);
 * on the channel, the publish script sends `<stream id> <event JSON>`, so a live listener learns
 * the entry's id and can de-duplicate against what it read from the log. Either way the time is
 * the id's: Redis's clock when it appended the entry.
 */
export function decodeEvent(id: string, json: string | undefined): StoredEvent | undefined {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = wellnessEventSchema.safeParse(value);
  return parsed.success ? { id, at: streamIdTime(id), event: parsed.data } : undefined;
}

/** A channel message back into the event; undefined for anything malformed. */
export function decodePublished(message: string): StoredEvent | undefined {
  const space = message.indexOf(" ");
  if (space <= 0) return undefined;
  return decodeEvent(message.slice(0, space), message.slice(space + 1));
}
