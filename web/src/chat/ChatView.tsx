import { useState, type FormEvent, type KeyboardEvent } from "react";
import { ThreadList } from "../threads/ThreadList";
import { ComparisonTable, type SentQuestion } from "./ComparisonTable";
import { Pane } from "./Pane";
import { useStatefulChat, useStatelessChat } from "./usePaneChat";

type Target = "both" | "stateful" | "stateless";

/** The current thread is in the URL (?thread=), so a reload keeps it; the token never is. */
function threadFromUrl(): string | null {
  const id = new URLSearchParams(window.location.search).get("thread");
  return id && /^[0-9a-f-]{36}$/iu.test(id) ? id : null;
}

function rememberThread(id: string | null) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set("thread", id);
  else url.searchParams.delete("thread");
  window.history.replaceState(null, "", url);
}

/** Both agents side by side with one input, the comparison table, and the conversation list. */
export function ChatView() {
  const [threadId, setThreadId] = useState<string | null>(threadFromUrl);
  const [refreshThreads, setRefreshThreads] = useState(0);
  const [sent, setSent] = useState<SentQuestion[]>([]);
  const [text, setText] = useState("");
  const [target, setTarget] = useState<Target>("both");

  const openThread = (id: string | null) => {
    setThreadId(id);
    rememberThread(id);
    setSent([]);
  };
  const stateful = useStatefulChat(
    threadId,
    (id) => {
      setThreadId(id);
      rememberThread(id);
    },
    () => setRefreshThreads((count) => count + 1),
  );
  const stateless = useStatelessChat();

  const busy = (target !== "stateless" && stateful.loading) || (target !== "stateful" && stateless.loading);
  const send = (event?: FormEvent) => {
    event?.preventDefault();
    const question = text.trim();
    if (!question || busy) return;
    const row: SentQuestion = { question };
    if (target !== "stateless") row.stateful = stateful.send(question);
    if (target !== "stateful") row.stateless = stateless.send(question);
    setSent((rows) => [...rows, row]);
    setText("");
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey) send(event);
  };

  return (
    <div className="chat-layout">
      <ThreadList current={threadId} refreshKey={refreshThreads} onOpen={(id) => openThread(id)} onNew={() => openThread(null)} />
      <div className="chat-main">
        <div className="panes">
          <Pane name="stateful" title="Stateful agent" subtitle="Remembers this conversation, your goals and what worked before." chat={stateful} />
          <Pane name="stateless" title="Stateless agent" subtitle="Same model and tools; every question stands alone." chat={stateless} />
        </div>
        <form className="composer" onSubmit={send}>
          <textarea
            data-testid="chat-input"
            value={text}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKey}
            placeholder="Ask about your health data, e.g. How did I sleep last week?"
            rows={2}
            maxLength={4000}
            aria-label="Question"
          />
          <div className="composer-actions">
            <select data-testid="chat-target" value={target} onChange={(event) => setTarget(event.target.value as Target)} aria-label="Send to">
              <option value="both">to both</option>
              <option value="stateful">stateful only</option>
              <option value="stateless">stateless only</option>
            </select>
            <button type="submit" className="primary" data-testid="chat-send" disabled={busy || !text.trim()}>
              Send
            </button>
          </div>
        </form>
        <ComparisonTable sent={sent} stateful={stateful} stateless={stateless} />
      </div>
    </div>
  );
}
