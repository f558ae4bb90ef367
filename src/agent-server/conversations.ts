import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import type { AuthContext } from "@langchain/langgraph-api/auth";
import { getAssistantId } from "@langchain/langgraph-api/graph";
import type { Ops, RunKwargs } from "@langchain/langgraph-api/storage";
import { tryGetContext } from "hono/context-storage";
import type { RedisRuns } from "./ops/index.js";
import { MemoryNotFoundError, RedisUnavailableError, ValidationError, ServerStartError, SessionBusyError, WellnessError } from "../errors.js";

/** The official server binds its own app here so custom routes can call it in-process (loopback.mjs). */
const LOOPBACK = Symbol.for("langgraph_api:fetch");

/** One event of a run's stream, as the LangGraph API sends it. */
export interface RunEvent {
  event: string;
  data: unknown;
}

export interface TurnRequest {
  /** The session (thread) to continue or create; none for the stateless baseline's temporary run. */
  threadId?: string;
  graph: "stateful" | "stateless";
  message: string;
  /** A second turn on a busy session: refused (409) by default, or queued behind the running one. */
  whenBusy: "reject" | "enqueue";
}

export interface ConversationSummary {
  threadId: string;
  updatedAt: string;
  createdAt: string;
}

/** What the app's chat and session routes need from the Agent Server, for one caller. */
export interface Conversations {
  streamTurn(request: TurnRequest): AsyncIterable<RunEvent>;
  list(limit: number): Promise<ConversationSummary[]>;
  delete(threadId: string): Promise<void>;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

function translate(error: unknown, threadId: string | undefined): unknown {
  if (error instanceof WellnessError) return error;
  const status = statusOf(error);
  if (status === 400 || status === 413) return new ValidationError(`The Agent Server refused the turn: ${(error as Error).message}`, { cause: error });
  if (status === 503) return new RedisUnavailableError("Redis is not answering right now, so the conversation could not be reached. Try again shortly.", { cause: error });
  if (status === 404) return new MemoryNotFoundError(`No session ${threadId ?? ""} for this user.`);
  if (status === 409 || status === 422) {
    return new SessionBusyError(`Session ${threadId ?? ""} is still answering another question; wait for it, or send "when_busy": "enqueue" to queue this one.`, { cause: error });
  }
  return error;
}

/** What the official server sets on the Hono context of every request it serves. */
interface ServerRequestVariables {
  /** The storage the server runs on (set by startServer for every request). */
  LANGGRAPH_OPS?: Ops;
  /** The caller as the server's Auth handler authenticated them (absent without auth). */
  auth?: AuthContext;
}

/** The stream modes a chat turn asks for: the answer's tokens and each node's update. */
const TURN_STREAM_MODES: RunKwargs["stream_mode"] = ["messages-tuple", "updates"];

/**
 * The server's storage and the caller's authentication of the request being served, when this
 * runs inside one of the official server's requests (the app's routes are mounted in it).
 */
function servedRequest(): { ops: Ops; auth: AuthContext | undefined } | undefined {
  const variables = (tryGetContext() as { var?: ServerRequestVariables } | undefined)?.var;
  const ops = variables?.LANGGRAPH_OPS;
  return ops ? { ops, auth: variables?.auth } : undefined;
}

/**
 * A turn as a run created and joined directly on the server's storage, as its POST
 * /threads/:id/runs/stream (or /runs/stream) does for the caller: the same RunsRepo put (auth
 * handlers, ownership filters, multitask strategy, if_not_exists) and join, without encoding the
 * run's events as server-sent events and decoding them again through the loopback.
 */
async function* directTurn(ops: Ops, auth: AuthContext | undefined, request: TurnRequest): AsyncGenerator<RunEvent> {
  const runId = randomUUID();
  const threadId = request.threadId;
  const userId = auth ? (auth.user.identity ?? (auth.user as { id?: string }).id) : undefined;
  const configurable = auth ? { langgraph_auth_user: auth.user, langgraph_auth_user_id: userId, langgraph_auth_permissions: auth.scopes } : undefined;
  const multitaskStrategy = threadId === undefined ? "reject" : request.whenBusy;
  // Marked as a chat turn, the run is executed by the TurnExecutor (src/agent-server/turn-executor.ts);
  // read as the request that queued it, its events stay in this process when it executes here.
  const runs: Pick<RedisRuns, "put"> & { stream: Pick<RedisRuns["stream"], "join"> } = ops.runs;
  const [first] = await runs.put(
    runId,
    getAssistantId(request.graph),
    {
      input: { messages: [{ role: "user", content: request.message }] },
      config: configurable ? { configurable } : {},
      stream_mode: TURN_STREAM_MODES,
      temporary: threadId === undefined,
      subgraphs: false,
      resumable: false,
    },
    {
      threadId,
      userId,
      status: "pending",
      multitaskStrategy,
      preventInsertInInflight: multitaskStrategy === "reject",
      executor: "turn",
      ...(threadId === undefined ? {} : { metadata: { source: "chat" }, ifNotExists: "create" as const }),
    },
    auth,
  ).catch((error: unknown) => {
    throw translate(error, threadId);
  });
  if (first?.run_id !== runId) throw translate({ status: 409 }, threadId);
  try {
    for await (const { event, data } of runs.stream.join(runId, threadId, { ignore404: threadId === undefined, lastEventId: undefined, queuedHere: true }, auth)) {
      yield { event, data };
    }
  } catch (error) {
    throw translate(error, threadId);
  }
}

/**
 * The caller's conversations as LangGraph threads of graph "stateful": the app's chat and session
 * routes use the Agent Server's own thread and run API in-process with the caller's own
 * credentials, so ownership, multitask strategies and the run queue are exactly those of /threads
 * and /runs, enforced in RedisOps, and a chat session shows up in /threads/search. A turn creates
 * and joins its run directly on the server's storage when called inside one of the server's
 * requests (as the app's routes are); listing and deleting go through its loopback fetch.
 *
 * @example
 * ```ts
 * const conversations = loopbackConversations(context.req.raw.headers);
 * for await (const { event, data } of conversations.streamTurn({ threadId, graph: "stateful", message, whenBusy: "reject" })) { ... }
 * ```
 */
export function loopbackConversations(headers: Headers): Conversations {
  const fetch = (globalThis as { [LOOPBACK]?: (url: string, init?: RequestInit) => Promise<Response> })[LOOPBACK];
  if (!fetch) throw new ServerStartError("The Agent Server is not running in this process; chat routes need it (wellness serve).");
  const forwarded: Record<string, string> = {};
  const authorization = headers.get("authorization");
  if (authorization) forwarded.authorization = authorization;
  // Built on first use: a turn inside one of the server's requests goes to its storage directly.
  let sdk: Client | undefined;
  const client = () =>
    (sdk ??= new Client({
      apiUrl: "http://localhost",
      apiKey: null,
      defaultHeaders: forwarded,
      callerOptions: { fetch: (url: string | URL, init?: RequestInit) => fetch(String(url), init), maxRetries: 0 },
    }));
  return {
    async *streamTurn(request) {
      const served = servedRequest();
      if (served) {
        yield* directTurn(served.ops, served.auth, request);
        return;
      }
      const input = { messages: [{ role: "user", content: request.message }] };
      const stream =
        request.threadId === undefined
          ? client().runs.stream(null, request.graph, { input, streamMode: ["messages-tuple", "updates"] })
          : client().runs.stream(request.threadId, request.graph, {
              input,
              streamMode: ["messages-tuple", "updates"],
              ifNotExists: "create",
              multitaskStrategy: request.whenBusy,
              metadata: { source: "chat" },
            });
      try {
        for await (const part of stream) yield { event: part.event, data: part.data };
      } catch (error) {
        throw translate(error, request.threadId);
      }
    },
    async list(limit) {
      const threads = await client().threads.search({ metadata: { graph_id: "stateful" }, limit, sortBy: "updated_at", sortOrder: "desc" }).catch((error: unknown) => {
        throw translate(error, undefined);
      });
      return threads.map((thread) => ({ threadId: thread.thread_id, updatedAt: thread.updated_at, createdAt: thread.created_at }));
    },
    async delete(threadId) {
      await client().threads.delete(threadId).catch((error: unknown) => {
        throw translate(error, threadId);
      });
    },
  };
}
