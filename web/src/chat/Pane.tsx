import { useEffect, useRef } from "react";
import { Markdown } from "./Markdown";
import { FaithfulnessBadge } from "./FaithfulnessBadge";
import { ToolCall } from "./ToolCall";
import type { PaneChat } from "./usePaneChat";

const ms = (value: number | undefined) => (value === undefined ? "…" : value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`);

/** One agent's side of the chat: each question, the streamed reply with its tool calls, memory hits and timings. */
export function Pane({ name, title, subtitle, chat }: { name: "stateful" | "stateless"; title: string; subtitle: string; chat: PaneChat }) {
  const end = useRef<HTMLDivElement>(null);
  const last = chat.turns.at(-1);
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [chat.turns.length, last?.answer.length, last?.toolCalls.length]);

  return (
    <section className="pane" data-testid={`pane-${name}`} aria-label={title}>
      <header>
        <h2>{title}</h2>
        <p className="muted">{subtitle}</p>
      </header>
      <div className="messages">
        {chat.turns.length === 0 && !chat.loading && <p className="muted empty">No questions yet.</p>}
        {chat.turns.map((turn) => {
          const metrics = chat.metrics.get(turn.id);
          const streaming = chat.loading && turn.id === chat.pendingId;
          return (
            <article key={turn.id} className="turn">
              <div className="message-user" data-testid="message-user">
                {turn.question}
              </div>
              <div className="message-assistant" data-testid="message-assistant" data-streaming={streaming ? "true" : "false"}>
                {turn.toolCalls.length > 0 && (
                  <div className="tool-calls">
                    {turn.toolCalls.map((call) => (
                      <ToolCall key={call.id} call={call} />
                    ))}
                  </div>
                )}
                {turn.answer ? <Markdown text={turn.answer} /> : streaming ? <p className="muted">Thinking…</p> : null}
                <footer className="turn-meta">
                  {metrics?.memoryHits && (
                    <details className="memory-hits" data-testid="memory-hits">
                      <summary>
                        {metrics.memoryHits.length} memory {metrics.memoryHits.length === 1 ? "hit" : "hits"}
                      </summary>
                      <ul>
                        {metrics.memoryHits.map((hit, index) => (
                          <li key={index}>{hit.replace(/^- /u, "")}</li>
                        ))}
                      </ul>
                    </details>
                  )}
                  {(metrics?.latencyMs !== undefined || streaming) && (
                    <span data-testid="latency">
                      {streaming ? "answering…" : `${ms(metrics?.latencyMs)}`}
                      {metrics?.firstTokenMs !== undefined ? ` · first token ${ms(metrics.firstTokenMs)}` : ""}
                    </span>
                  )}
                  {turn.tokens !== null && <span>{turn.tokens} tokens</span>}
                  {metrics?.faithfulness && <FaithfulnessBadge result={metrics.faithfulness} />}
                </footer>
              </div>
            </article>
          );
        })}
        {chat.error && (
          <p className="error" role="alert" data-testid="pane-error">
            {chat.error}
          </p>
        )}
        <div ref={end} />
      </div>
    </section>
  );
}
