import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { guarded, result, type ToolDependencies } from "./context.js";

const schema = z.object({
  query: z.string().min(1).max(500).describe("The health question, e.g. 'normal resting heart rate', 'what is HRV'"),
  category: z
    .enum(["heart", "sleep", "activity", "fitness", "body", "blood_pressure", "respiratory", "general"])
    .optional()
    .describe("Only facts of this category"),
});

/** get_health_knowledge: general health facts from semantic memory. */
export function getHealthKnowledgeTool(deps: ToolDependencies) {
  return tool(
    (input) =>
      guarded(async () => {
        const facts = await deps.memory.semantic.search(input.query, { k: 3, ...(input.category ? { category: input.category } : {}) });
        return result({
          facts: facts.map((fact) => ({ category: fact.category, fact: fact.content, similarity: fact.similarity })),
          ...(facts.length === 0 ? { note: "no matching facts; answer from general knowledge and say so" } : {}),
        });
      }),
    {
      name: "get_health_knowledge",
      description:
        "General health knowledge to explain the user's numbers: normal ranges (resting and maximum heart rate, HRV, VO2max, blood pressure, blood oxygen, BMI), sleep stages and needs, step and exercise guidelines. Not the user's own data.",
      schema,
    },
  );
}
