import { Hono, type Context } from "hono";
import { z } from "zod";
import type { WellnessAgent } from "../../agent/index.js";
import { MemoryNotFoundError } from "../../errors.js";
import { isValidId } from "../../redis/ids.js";
import { validate } from "../validate.js";

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20).describe("most recent sessions to return") });
const idParam = z.object({ id: z.string().refine(isValidId, "not a session id").describe("session id") });

/** /api/sessions: the caller's recent sessions, and deleting one (its whole conversation). */
export function sessionRoutes({ agent, userOf }: { agent: WellnessAgent; userOf: (context: Context) => string }): Hono {
  return new Hono()
    .get("/", async (context) => {
      const { limit } = validate(listQuery, context.req.query(), "query");
      const sessions = await agent.sessions.forUser(userOf(context), limit);
      return context.json({ sessions: sessions.map((entry) => ({ session_id: entry.sessionId, last_activity: entry.lastActivity.toISOString() })) });
    })
    .delete("/:id", async (context) => {
      const { id } = validate(idParam, context.req.param(), "path");
      if ((await agent.sessions.ownerOf(id)) !== userOf(context)) throw new MemoryNotFoundError(`No session ${id} for this user.`);
      await agent.checkpointer.deleteThread(id);
      return context.body(null, 204);
    });
}
