import { z } from "zod";

const count = z.number().int().nonnegative();
const day = z.string().nullable();

/**
 * Every event the app publishes, one schema per `type`. Events describe what happened to one
 * user's data or conversations; they are published on that user's channel and log only, so the
 * payloads may name the user's own things (a memory's description, a file name) but nothing of
 * anyone else's.
 */
export const wellnessEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("import.started"), file: z.string(), bytes: count }),
  z.object({ type: z.literal("import.progress"), bytesRead: count, totalBytes: count, records: count }),
  z.object({
    type: z.literal("import.finished"),
    records: count,
    metrics: count,
    workouts: count,
    sleepNights: count,
    firstDate: day,
    lastDate: day,
    seconds: z.number().nonnegative(),
  }),
  z.object({ type: z.literal("import.failed"), code: z.string(), message: z.string() }),
  z.object({ type: z.literal("memory.stored"), memoryId: z.string(), memoryType: z.string(), description: z.string() }),
  z.object({ type: z.literal("memory.replaced"), memoryId: z.string(), memoryType: z.string(), replacedBy: z.string() }),
  z.object({ type: z.literal("memory.forgotten"), memoryId: z.string(), memoryType: z.string() }),
  z.object({ type: z.literal("session.created"), sessionId: z.string(), title: z.string().optional() }),
  z.object({ type: z.literal("session.deleted"), sessionId: z.string() }),
  z.object({
    type: z.literal("run.finished"),
    sessionId: z.string().optional(),
    tools: z.array(z.string()),
    latencyMs: z.number().nonnegative(),
  }),
  z.object({ type: z.literal("worker.dead_lettered"), entryId: z.string(), deliveries: count, error: z.string() }),
]);

/** An event as its emitter hands it to the bus. */
export type WellnessEvent = z.infer<typeof wellnessEventSchema>;

/** The names of every event type. */
export type WellnessEventType = WellnessEvent["type"];

/** An event as readers see it: its id in the user's log (a stream id), when it was published (ms), and the event. */
export interface StoredEvent {
  id: string;
  at: number;
  event: WellnessEvent;
}

/**
 * Where emitters send events. Emitters (the importer, memory, the learning worker) depend on this
 * interface only, and `publish` must return at once and never throw: an event is never a reason
 * for the operation it describes to slow down or fail. {@link EventBus} is the Redis one.
 */
export interface EventSink {
  publish(userId: string, event: WellnessEvent): void;
}
