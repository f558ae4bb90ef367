import type { EventSink } from "../../events/types.js";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { Conversations } from "../../agent-server/conversations.js";
import { validate } from "../validate.js";

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20).describe("most recent sessions to return") });
const idParam = z.object({ id: z.uuid("a session id is a UUID").describe("session id (a thread id)") });

/**
 * /api/sessions: the caller's recent sessions (their threads of graph "stateful", the same ones
 * /threads/search lists), and deleting one (its whole conversation).
 */
export function sessionRoutes({
  conversationsFor,
  events,
  userOf,
}: {
  conversationsFor: (context: Context) => Conversations;
  /** Hears session.deleted. */
  events?: EventSink;
  userOf: (context: Context) => string;
}): Hono {
  return new Hono()
    .get("/", async (context) => {
      const { limit } = validate(listQuery, context.req.query(), "query");
      const sessions = await conversationsFor(context).list(limit);
      return context.json({ sessions: sessions.map((entry) => ({ session_id: entry.threadId, last_activity: entry.updatedAt, created_at: entry.createdAt })) });
    })
    .delete("/:id", async (context) => {
      const { id } = validate(idParam, context.req.param(), "path");
      await conversationsFor(context).delete(id);
      events?.publish(userOf(context), { type: "session.deleted", sessionId: id });
      return context.body(null, 204);
    });
}
