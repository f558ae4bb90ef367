import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { z } from "zod";
import type { Conversations, RunEvent } from "../../agent-server/conversations.js";
import type { FaithfulnessResult } from "../../agent/faithfulness/index.js";
import type { TurnToolCall } from "../../agent/state.js";
import { WellnessError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { SseBatch } from "../sse-batch.js";
import { validate } from "../validate.js";

export interface ChatRouteDependencies {
  /** The caller's conversations on the Agent Server (threads and runs under the caller's auth). */
  conversationsFor: (context: Context) => Conversations;
  log: Logger;
}

const statelessBody = z.object({
  message: z.string().trim().min(1, "write a message").max(4_000).describe("the user's message"),
});
const statefulBody = statelessBody.extend({
  session_id: z.uuid("a session id is a UUID, as /api/sessions and /threads list them").optional().describe("continue this session (a thread id); omit to start one"),
  when_busy: z.enum(["reject", "enqueue"]).default("reject").describe("if the session is still answering: refuse with 409 (default) or queue this turn behind it"),
});

interface SerializedMessage {
  type?: string;
  content?: unknown;
}

function text(message: SerializedMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part: unknown) => (typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : "")).join("");
}

type NodeUpdates = Record<string, { memoryContext?: string; turnToolCalls?: TurnToolCall[]; faithfulness?: FaithfulnessResult; messages?: SerializedMessage[] } | null | undefined>;

/** A run's failure as the API streams it (`event: error`), as one of our errors for the client. */
function runFailure(data: unknown): { code: string; message: string } {
  const { error, message } = (data ?? {}) as { error?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : "";
  if (error === "ModelUnavailableError") return { code: "ERR_MODEL_UNAVAILABLE", message: text };
  if (error === "EmbeddingUnavailableError") return { code: "ERR_EMBEDDING_UNAVAILABLE", message: text };
  return { code: "ERR_INTERNAL", message: "The turn failed; see the server log." };
}

/**
 * Streams one turn (a run of the Agent Server) as the app's server-sent events: `token` pieces of
 * the answer, `tool` calls, then `done` (answer, tools, memory hits, latency, numeric check) or
 * `error` with a code.
 */
async function streamTurn(sse: SSEStreamingApi, events: AsyncIterable<RunEvent>, extra: Record<string, unknown>, log: Logger): Promise<void> {
  const out = new SseBatch(sse);
  try {
    await relayTurn(out, events, extra, log);
  } finally {
    await out.flush();
  }
}

/** Turns the run's events into the app's, answer and all; failures become an `error` event. */
async function relayTurn(out: SseBatch, events: AsyncIterable<RunEvent>, extra: Record<string, unknown>, log: Logger): Promise<void> {
  const started = Date.now();
  let answer = "";
  let memoryHits = 0;
  const tools: string[] = [];
  let faithfulness: FaithfulnessResult | null = null;
  try {
    let failed = false;
    for await (const { event, data } of events) {
      // After a failure the stream is read to its end, which comes once the run's and the thread's
      // statuses are written: a client that hears of the failure finds the thread settled.
      if (failed) continue;
      if (event === "error") {
        await out.send("error", JSON.stringify(runFailure(data)));
        failed = true;
        continue;
      }
      if (event === "messages") {
        const [chunk, metadata] = data as [SerializedMessage, { langgraph_node?: string }];
        if (metadata.langgraph_node === "agent" && (chunk.type === "AIMessageChunk" || chunk.type === "ai")) {
          const piece = text(chunk);
          if (piece) {
            answer += piece;
            await out.send("token", JSON.stringify({ text: piece }));
          }
        }
      } else if (event === "updates") {
        const updates = data as NodeUpdates;
        const checked = updates.check_answer;
        if (checked?.faithfulness) faithfulness = checked.faithfulness;
        const replaced = checked?.messages?.at(-1);
        if (replaced) answer = text(replaced);
        const context = updates.retrieve_memory?.memoryContext;
        if (context) memoryHits = context.split("\n").filter(Boolean).length;
        for (const call of updates.tools?.turnToolCalls ?? []) {
          tools.push(call.name);
          await out.send("tool", JSON.stringify({ name: call.name, failed: call.failed }));
        }
      }
    }
    if (failed) return;
    await out.send("done", JSON.stringify({ ...extra, answer, tools_used: tools, memory_hits: memoryHits, latency_ms: Date.now() - started, faithfulness }));
  } catch (error) {
    const known = error instanceof WellnessError;
    if (!known) log.error(`chat stream: ${(error as Error).stack ?? String(error)}`);
    await out.send("error", JSON.stringify({ code: known ? error.code : "ERR_INTERNAL", message: known ? error.message : "The turn failed; see the server log." }));
  }
}

/**
 * Takes the first event before answering, so that a refused run (another user's session: 404; a
 * busy one: 409) is an HTTP error rather than an event in a 200 stream.
 */
async function started(events: AsyncIterable<RunEvent>): Promise<AsyncIterable<RunEvent>> {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    },
  };
}

/**
 * /api/chat: a turn of the stateful agent (a run on the session's thread, which is created on
 * first use) or of the stateless baseline (a temporary run), streamed.
 */
export function chatRoutes({ conversationsFor, log }: ChatRouteDependencies): Hono {
  return new Hono()
    .post("/stateful/stream", async (context) => {
      const body = validate(statefulBody, await context.req.json().catch(() => undefined), "body");
      const sessionId = body.session_id ?? randomUUID();
      const run = await started(conversationsFor(context).streamTurn({ threadId: sessionId, graph: "stateful", message: body.message, whenBusy: body.when_busy }));
      return streamSSE(context, (sse) => streamTurn(sse, run, { session_id: sessionId }, log));
    })
    .post("/stateless/stream", async (context) => {
      const body = validate(statelessBody, await context.req.json().catch(() => undefined), "body");
      const events = await started(conversationsFor(context).streamTurn({ graph: "stateless", message: body.message, whenBusy: "reject" }));
      return streamSSE(context, (sse) => streamTurn(sse, events, {}, log));
    });
}
