import type { Message } from "@langchain/langgraph-sdk";
import { FetchStreamTransport, useStream } from "@langchain/langgraph-sdk/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { errorOf } from "../api/http";
import { authHeaders } from "../api/token";
import { useSession } from "../session";
import { textOf, turnsOf, type Faithfulness, type Turn, type TurnMetrics } from "./turns";

/** What a chat pane shows and how to ask it something. */
export interface PaneChat {
  turns: Turn[];
  metrics: ReadonlyMap<string, TurnMetrics>;
  loading: boolean;
  /** The id of the turn being answered. */
  pendingId: string | null;
  error: string | null;
  /** Sends a question; returns the id its turn gets. */
  send: (question: string) => string;
}

interface AgentValues {
  messages: Message[];
  memoryContext?: string;
}

/** The numeric check's result when an update event is check_answer's. */
function checkOf(data: unknown): Faithfulness | undefined {
  return (data as { check_answer?: { faithfulness?: Faithfulness | null } } | undefined)?.check_answer?.faithfulness ?? undefined;
}

interface Pending {
  id: string;
  started: number;
  firstToken?: number;
}

function describeError(error: unknown): string | null {
  if (error == null) return null;
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && "message" in error && typeof error.message === "string") return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}

/** Latency and time to first token of the pending turn, measured in the page. */
function useTurnTimer(messages: readonly Message[], loading: boolean, onDone: (pending: Pending) => void) {
  const pending = useRef<Pending | null>(null);
  const [metrics, setMetrics] = useState<Map<string, TurnMetrics>>(() => new Map());
  const update = useCallback((id: string, patch: TurnMetrics) => {
    setMetrics((current) => new Map(current).set(id, { ...current.get(id), ...patch }));
  }, []);
  useEffect(() => {
    const turn = pending.current;
    const last = messages.at(-1);
    if (turn && turn.firstToken === undefined && last?.type === "ai" && textOf(last.content)) {
      turn.firstToken = performance.now();
      update(turn.id, { firstTokenMs: Math.round(turn.firstToken - turn.started) });
    }
  }, [messages, update]);
  const onDoneRef = useRef(onDone);
  onDoneRef.current = onDone;
  useEffect(() => {
    const turn = pending.current;
    if (!loading && turn) {
      pending.current = null;
      update(turn.id, { latencyMs: Math.round(performance.now() - turn.started) });
      onDoneRef.current(turn);
    }
  }, [loading, update]);
  const start = (id: string) => {
    pending.current = { id, started: performance.now() };
  };
  return { pending, metrics, update, start };
}

function humanMessage(question: string, id: string): Message {
  return { type: "human", content: question, id };
}

/**
 * The stateful pane: graph `stateful` on a persisted thread, through the LangGraph SDK's
 * useStream. The first question creates the thread (titled by that question); memory hits come
 * from retrieve_memory's update.
 */
export function useStatefulChat(threadId: string | null, onThreadId: (id: string) => void, onTurnDone: () => void): PaneChat {
  const { client } = useSession();
  const pendingRef = useRef<string | null>(null);
  const [memoryHits, setMemoryHits] = useState<Map<string, string[]>>(() => new Map());
  const checkedRef = useRef<(faithfulness: Faithfulness) => void>(() => undefined);
  const stream = useStream<AgentValues>({
    client,
    assistantId: "stateful",
    threadId,
    onThreadId,
    onUpdateEvent: (data: unknown) => {
      const context = (data as { retrieve_memory?: { memoryContext?: string } } | undefined)?.retrieve_memory?.memoryContext;
      const id = pendingRef.current;
      if (context !== undefined && id) setMemoryHits((current) => new Map(current).set(id, context.split("\n").filter(Boolean)));
      const faithfulness = checkOf(data);
      if (faithfulness) checkedRef.current(faithfulness);
    },
  });
  const messages = stream.messages;
  const timer = useTurnTimer(messages, stream.isLoading, () => {
    pendingRef.current = null;
    onTurnDone();
  });
  checkedRef.current = (faithfulness) => {
    const id = pendingRef.current;
    if (id) timer.update(id, { faithfulness });
  };
  const turns = useMemo(() => turnsOf(messages), [messages]);
  const lastContext = stream.values.memoryContext;
  const metrics = useMemo(() => {
    const merged = new Map(timer.metrics);
    for (const [id, hits] of memoryHits) merged.set(id, { ...merged.get(id), memoryHits: hits });
    const last = turns.at(-1);
    if (last && !merged.get(last.id)?.memoryHits && typeof lastContext === "string") {
      merged.set(last.id, { ...merged.get(last.id), memoryHits: lastContext.split("\n").filter(Boolean) });
    }
    return merged;
  }, [timer.metrics, memoryHits, turns, lastContext]);

  const send = (question: string) => {
    const id = crypto.randomUUID();
    pendingRef.current = id;
    timer.start(id);
    const message = humanMessage(question, id);
    void stream.submit(
      { messages: [message] },
      {
        ...(threadId ? {} : { metadata: { title: question.slice(0, 80) } }),
        optimisticValues: (previous: Partial<AgentValues>) => ({ ...previous, messages: [...(previous.messages ?? []), message] }),
      },
    );
    return id;
  };
  return { turns, metrics, loading: stream.isLoading, pendingId: pendingRef.current, error: describeError(stream.error), send };
}

/**
 * The stateless pane: graph `stateless` as a stateless run (POST /runs/stream, no thread), so
 * every question stands alone. useStream's custom transport streams it; the pane keeps earlier
 * turns on the page only.
 */
export function useStatelessChat(): PaneChat {
  const { token } = useSession();
  const transport = useMemo(
    () =>
      new FetchStreamTransport({
        apiUrl: "/runs/stream",
        defaultHeaders: authHeaders(token),
        fetch: async (url: string | URL | Request, init?: RequestInit) => {
          const response = await fetch(url, init);
          if (!response.ok) throw await errorOf(response);
          return response;
        },
        onRequest: (_url: string, init: RequestInit) => {
          const { input } = JSON.parse(typeof init.body === "string" ? init.body : "{}") as { input: unknown };
          return { ...init, body: JSON.stringify({ assistant_id: "stateless", input, stream_mode: ["values", "messages-tuple", "updates"] }) };
        },
      }),
    [token],
  );
  const checkedRef = useRef<(faithfulness: Faithfulness) => void>(() => undefined);
  const stream = useStream<AgentValues>({
    transport,
    onUpdateEvent: (data: unknown) => {
      const faithfulness = checkOf(data);
      if (faithfulness) checkedRef.current(faithfulness);
    },
  });
  const [done, setDone] = useState<Turn[]>([]);
  const messages = stream.messages;
  const current = useMemo(() => turnsOf(messages), [messages]);
  const currentRef = useRef(current);
  currentRef.current = current;
  const timer = useTurnTimer(messages, stream.isLoading, (pending) => {
    const answered = currentRef.current.find((turn) => turn.id === pending.id);
    if (answered) setDone((turns) => [...turns, answered]);
    else setDone((turns) => [...turns, { id: pending.id, question: pendingQuestion.current, answer: "", toolCalls: [], tokens: null }]);
  });
  const pendingQuestion = useRef("");
  const pendingId = timer.pending.current?.id ?? null;
  checkedRef.current = (faithfulness) => {
    const id = timer.pending.current?.id;
    if (id) timer.update(id, { faithfulness });
  };
  const turns = useMemo(() => (pendingId ? [...done, ...current.filter((turn) => turn.id === pendingId)] : done), [done, current, pendingId]);

  const send = (question: string) => {
    const id = crypto.randomUUID();
    pendingQuestion.current = question;
    timer.start(id);
    const message = humanMessage(question, id);
    void stream.submit({ messages: [message] }, { optimisticValues: { messages: [message] } });
    return id;
  };
  return { turns, metrics: timer.metrics, loading: stream.isLoading, pendingId, error: describeError(stream.error), send };
}
