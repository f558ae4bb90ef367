import { randomUUID } from "node:crypto";
import { HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Hono, type Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { z } from "zod";
import type { WellnessAgent } from "../../agent/index.js";
import type { FaithfulnessResult } from "../../agent/faithfulness/index.js";
import type { TurnToolCall } from "../../agent/state.js";
import { MemoryNotFoundError, WellnessError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { isValidId } from "../../redis/ids.js";
import { validate } from "../validate.js";

export interface ChatRouteDependencies {
  agent: WellnessAgent;
  userOf: (context: Context) => string;
  log: Logger;
}

const statelessBody = z.object({
  message: z.string().trim().min(1, "write a message").max(4_000).describe("the user's message"),
});
const statefulBody = statelessBody.extend({
  session_id: z.string().refine(isValidId, "1-128 characters without control characters or { } * ? [ ] \\").optional().describe("continue this session; omit to start one"),
});

function text(chunk: BaseMessage): string {
  return typeof chunk.content === "string" ? chunk.content : chunk.content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/** Streams one turn as server-sent events: token, then done (or error), all JSON. */
async function streamTurn(
  sse: SSEStreamingApi,
  run: () => Promise<AsyncIterable<unknown>>,
  extra: Record<string, unknown>,
  log: Logger,
): Promise<void> {
  const started = Date.now();
  let answer = "";
  let memoryHits = 0;
  const tools: string[] = [];
  let faithfulness: FaithfulnessResult | null = null;
  try {
    for await (const item of await run()) {
      const [mode, payload] = item as [string, unknown];
      if (mode === "messages") {
        const [chunk, metadata] = payload as [BaseMessage, { langgraph_node?: string }];
        if (metadata.langgraph_node === "agent" && chunk.getType() === "ai") {
          const piece = text(chunk);
          if (piece) {
            answer += piece;
            await sse.writeSSE({ event: "token", data: JSON.stringify({ text: piece }) });
          }
        }
      } else if (mode === "updates") {
        const updates = payload as Record<string, { memoryContext?: string; turnToolCalls?: TurnToolCall[]; faithfulness?: FaithfulnessResult; messages?: BaseMessage[] } | undefined>;
        const checked = updates.check_answer;
        if (checked?.faithfulness) faithfulness = checked.faithfulness;
        const replaced = checked?.messages?.at(-1);
        if (replaced) answer = text(replaced);
        const context = updates.retrieve_memory?.memoryContext;
        if (context) memoryHits = context.split("\n").filter(Boolean).length;
        for (const call of updates.tools?.turnToolCalls ?? []) {
          tools.push(call.name);
          await sse.writeSSE({ event: "tool", data: JSON.stringify({ name: call.name, failed: call.failed }) });
        }
      }
    }
    await sse.writeSSE({
      event: "done",
      data: JSON.stringify({ ...extra, answer, tools_used: tools, memory_hits: memoryHits, latency_ms: Date.now() - started, faithfulness }),
    });
  } catch (error) {
    const known = error instanceof WellnessError;
    if (!known) log.error(`chat stream: ${(error as Error).stack ?? String(error)}`);
    await sse.writeSSE({
      event: "error",
      data: JSON.stringify({ code: known ? error.code : "ERR_INTERNAL", message: known ? error.message : "The turn failed; see the server log." }),
    });
  }
}

/** /api/chat: a turn of the stateful agent (in a session) or of the stateless baseline, streamed. */
export function chatRoutes({ agent, userOf, log }: ChatRouteDependencies): Hono {
  return new Hono()
    .post("/stateful/stream", async (context) => {
      const body = validate(statefulBody, await context.req.json().catch(() => undefined), "body");
      const userId = userOf(context);
      const sessionId = body.session_id ?? randomUUID();
      const owner = await agent.sessions.ownerOf(sessionId);
      if (owner !== undefined && owner !== userId) throw new MemoryNotFoundError(`No session ${sessionId} for this user.`);
      const config = { configurable: { thread_id: sessionId, userId }, streamMode: ["messages", "updates"] as ("messages" | "updates")[] };
      return streamSSE(context, (sse) =>
        streamTurn(sse, () => agent.graph.stream({ messages: [new HumanMessage(body.message)] }, config), { session_id: sessionId }, log),
      );
    })
    .post("/stateless/stream", async (context) => {
      const body = validate(statelessBody, await context.req.json().catch(() => undefined), "body");
      const config = { configurable: { userId: userOf(context) }, streamMode: ["messages", "updates"] as ("messages" | "updates")[] };
      return streamSSE(context, (sse) =>
        streamTurn(sse, () => agent.statelessGraph.stream({ messages: [new HumanMessage(body.message)] }, config), {}, log),
      );
    });
}
