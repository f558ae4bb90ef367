import { Hono, type Context } from "hono";
import { z } from "zod";
import { MemoryNotFoundError } from "../../errors.js";
import { EPISODIC_TYPES } from "../../memory/episodic.js";
import type { Memory } from "../../memory/index.js";
import { validate } from "../validate.js";

export interface MemoryRouteDependencies {
  memory: Memory;
  /** The caller's user id (from authentication; the default user in single-user mode). */
  userOf: (context: Context) => string;
}

const listQuery = z.object({
  type: z.enum([...EPISODIC_TYPES, "procedure", "semantic", "intervention"]).optional().describe("which memories to list; all episodic ones and the advice given when absent"),
});

const searchQuery = z.object({
  q: z.string().trim().min(1, "give a search text in q").max(1_000).describe("what to look for"),
  k: z.coerce.number().int().min(1).max(50).default(5).describe("results per memory type"),
});

const idParam = z.object({ id: z.string().regex(/^[0-9a-z]{9}[0-9a-f]{10}$/u, "not a memory id").describe("memory id") });

/**
 * /api/memory: the caller's memories, searched, listed, forgotten, counted. The listing includes
 * the advice the agent gave (interventions, with the outcome measured in the data and what the
 * caller said about it) and the insights from reflections on past conversations.
 */
export function memoryRoutes({ memory, userOf }: MemoryRouteDependencies): Hono {
  return new Hono()
    .get("/", async (context) => {
      const { type } = validate(listQuery, context.req.query(), "query");
      const user = userOf(context);
      if (type === "semantic") return context.json({ facts: await memory.semantic.list() });
      if (type === "procedure") return context.json({ procedures: await memory.procedural.list(user) });
      if (type === "intervention") return context.json({ interventions: await memory.interventions.list(user) });
      if (type) return context.json({ memories: await memory.episodic.list(user, type) });
      const [memories, interventions] = await Promise.all([memory.episodic.list(user), memory.interventions.list(user)]);
      return context.json({ memories, interventions });
    })
    .get("/search", async (context) => {
      const { q, k } = validate(searchQuery, context.req.query(), "query");
      const user = userOf(context);
      const [episodic, semantic, plan] = await Promise.all([
        memory.episodic.retrieve(user, q, { k }),
        memory.semantic.search(q, { k }),
        memory.procedural.suggest(user, q),
      ]);
      return context.json({ episodic, semantic, plan: plan ?? null });
    })
    .get("/stats", async (context) => context.json(await memory.stats(userOf(context))))
    .delete("/:id", async (context) => {
      const { id } = validate(idParam, context.req.param(), "path");
      const user = userOf(context);
      const forgotten = (await memory.episodic.forget(user, id)) || (await memory.interventions.forget(user, id));
      if (!forgotten) throw new MemoryNotFoundError(`No memory ${id} for this user.`);
      return context.body(null, 204);
    });
}
