import type { Thread } from "@langchain/langgraph-sdk";
import { useCallback, useEffect, useState } from "react";
import { useSession } from "../session";

function titleOf(thread: Thread): string {
  const title = (thread.metadata as { title?: unknown } | null)?.title;
  return typeof title === "string" && title ? title : `Conversation of ${new Date(thread.created_at).toLocaleString()}`;
}

/**
 * The caller's stateful conversations (LangGraph threads of graph `stateful`), newest activity
 * first, titled by their first question: open one, start a new one, delete one.
 */
export function ThreadList({ current, refreshKey, onOpen, onNew }: { current: string | null; refreshKey: number; onOpen: (id: string) => void; onNew: () => void }) {
  const { client } = useSession();
  const [threads, setThreads] = useState<Thread[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setThreads(await client.threads.search({ metadata: { graph_id: "stateful" }, limit: 50, sortBy: "updated_at", sortOrder: "desc" }));
      setError(null);
    } catch (failure) {
      setError(`Could not list conversations: ${(failure as Error).message}`);
    }
  }, [client]);

  useEffect(() => {
    void load();
  }, [load, refreshKey]);

  const remove = async (thread: Thread) => {
    if (!window.confirm(`Delete "${titleOf(thread)}"?`)) return;
    try {
      await client.threads.delete(thread.thread_id);
      if (thread.thread_id === current) onNew();
      await load();
    } catch (failure) {
      setError(`Could not delete: ${(failure as Error).message}`);
    }
  };

  return (
    <aside className="threads">
      <button type="button" className="primary" data-testid="thread-new" onClick={onNew}>
        New conversation
      </button>
      <ul data-testid="thread-list">
        {threads.map((thread) => (
          <li key={thread.thread_id} className={thread.thread_id === current ? "active" : ""} data-testid="thread-item" data-thread-id={thread.thread_id}>
            <button type="button" className="thread-open" onClick={() => onOpen(thread.thread_id)} title={titleOf(thread)}>
              {titleOf(thread)}
            </button>
            <button type="button" className="thread-delete" data-testid="thread-delete" aria-label={`Delete ${titleOf(thread)}`} onClick={() => void remove(thread)}>
              ×
            </button>
          </li>
        ))}
      </ul>
      {threads.length === 0 && !error && <p className="muted">No conversations yet.</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </aside>
  );
}
