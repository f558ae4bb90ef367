import { useCallback, useEffect, useState, type FormEvent } from "react";
import { api } from "../api/http";
import type { EpisodicMemory, Intervention, MemorySearch, Procedure } from "../api/types";
import { useSession } from "../session";

interface Memories {
  goals: EpisodicMemory[];
  preferences: EpisodicMemory[];
  events: EpisodicMemory[];
  insights: EpisodicMemory[];
  advice: Intervention[];
  procedures: Procedure[];
}

const OUTCOME_LABEL: Record<Intervention["outcome"], string> = {
  improved: "worked",
  unchanged: "changed nothing",
  worse: "got worse",
  insufficient_data: "too little data",
  pending: "being measured",
};

/** What the data and the user said about one piece of advice. */
function AdviceItem({ advice, onForget }: { advice: Intervention; onForget: (advice: Intervention) => void }) {
  const data = advice.dataOutcome;
  const said = advice.adherence;
  return (
    <li data-testid="advice-item" data-outcome={advice.outcome}>
      <span className="memory-text">{advice.suggestion}</span> <span className="muted">{advice.date}</span>{" "}
      <span className={`outcome outcome-${advice.outcome}`}>{OUTCOME_LABEL[advice.outcome]}</span>
      {data && data.observed !== undefined ? (
        <span className="muted">
          {" "}
          · {advice.metric} {data.baseline} → {data.observed} {data.unit} ({data.changePercent !== undefined && data.changePercent > 0 ? "+" : ""}
          {data.changePercent ?? 0}%)
        </span>
      ) : (
        advice.outcome === "pending" && <span className="muted"> · {advice.metric} until {advice.evaluateAfter}{advice.baseline ? `, baseline ${advice.baseline.value} ${advice.baseline.unit}` : ""}</span>
      )}
      {said && (
        <span className="muted">
          {" "}
          · you said: followed {said.followed}, helped {said.helped}
        </span>
      )}
      <button type="button" className="link" data-testid="memory-forget" onClick={() => onForget(advice)}>
        Forget
      </button>
    </li>
  );
}

const day = (timestamp: string) => timestamp.slice(0, 10);

function MemoryItem({ memory, onForget }: { memory: EpisodicMemory; onForget: (memory: EpisodicMemory) => void }) {
  return (
    <li data-testid="memory-item" data-memory-id={memory.id}>
      <span className="memory-text">{memory.description}</span> <span className="muted">{day(memory.timestamp)}</span>
      {memory.similarity !== undefined && <span className="muted"> · match {memory.similarity.toFixed(2)}</span>}
      <button type="button" className="link" data-testid="memory-forget" onClick={() => onForget(memory)}>
        Forget
      </button>
    </li>
  );
}

/** What the agent remembers about the caller: goals (current and replaced), preferences, health events, advice with its outcome, insights, tool patterns; forget one; search by meaning. */
export function MemoryView() {
  const { token } = useSession();
  const [memories, setMemories] = useState<Memories | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<MemorySearch | null>(null);

  const load = useCallback(async () => {
    try {
      const list = (type: string) => api<{ memories: EpisodicMemory[] }>(token, `/api/memory?type=${type}`).then((body) => body.memories);
      const [goals, preferences, events, insights, advice, procedures] = await Promise.all([
        list("goal"),
        list("preference"),
        list("health_event"),
        list("insight"),
        api<{ interventions: Intervention[] }>(token, "/api/memory?type=intervention").then((body) => body.interventions),
        api<{ procedures: Procedure[] }>(token, "/api/memory?type=procedure").then((body) => body.procedures),
      ]);
      setMemories({ goals, preferences, events, insights, advice, procedures });
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, [token]);

  useEffect(() => {
    void load();
  }, [load]);

  const forget = async (memory: { id: string }) => {
    try {
      await api(token, `/api/memory/${encodeURIComponent(memory.id)}`, { method: "DELETE" });
      setResults((current) => (current ? { ...current, episodic: current.episodic.filter((each) => each.id !== memory.id) } : current));
      await load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const search = async (event: FormEvent) => {
    event.preventDefault();
    if (!query.trim()) return;
    try {
      setResults(await api<MemorySearch>(token, `/api/memory/search?${new URLSearchParams({ q: query.trim(), k: "5" }).toString()}`));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const current = memories?.goals.filter((goal) => !goal.supersededBy) ?? [];
  const replaced = memories?.goals.filter((goal) => goal.supersededBy) ?? [];

  return (
    <div className="memory">
      <form className="memory-search" onSubmit={(event) => void search(event)}>
        <input data-testid="memory-search" value={query} onChange={(event) => setQuery(event.target.value)} placeholder="Search by meaning, e.g. sleep" aria-label="Search memories" />
        <button type="submit">Search</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {results && (
        <section className="memory-results" data-testid="memory-results">
          <h3>Matches</h3>
          <ul>
            {results.episodic.map((memory) => (
              <MemoryItem key={memory.id} memory={memory} onForget={(each) => void forget(each)} />
            ))}
            {results.semantic.map((fact) => (
              <li key={fact.id}>
                <span className="muted">knowledge ({fact.category}):</span> {fact.content}
              </li>
            ))}
          </ul>
          {results.episodic.length + results.semantic.length === 0 && <p className="muted">Nothing close.</p>}
          {results.plan && (
            <p className="muted">
              Suggested plan: {results.plan.tools.join(" then ")} (confidence {results.plan.confidence}, usually {results.plan.typicalLatencyMs} ms)
            </p>
          )}
        </section>
      )}
      {memories && (
        <div className="memory-columns">
          <section data-testid="memory-goals">
            <h3>Goals</h3>
            <ul>
              {current.map((goal) => (
                <MemoryItem key={goal.id} memory={goal} onForget={(each) => void forget(each)} />
              ))}
            </ul>
            {current.length === 0 && <p className="muted">No goals yet. Tell the agent one, e.g. “My goal is 10,000 steps a day”.</p>}
            {replaced.length > 0 && (
              <>
                <h4>Replaced</h4>
                <ul className="replaced">
                  {replaced.map((goal) => (
                    <MemoryItem key={goal.id} memory={goal} onForget={(each) => void forget(each)} />
                  ))}
                </ul>
              </>
            )}
          </section>
          <section data-testid="memory-preferences">
            <h3>Preferences</h3>
            <ul>
              {memories.preferences.map((memory) => (
                <MemoryItem key={memory.id} memory={memory} onForget={(each) => void forget(each)} />
              ))}
            </ul>
            {memories.preferences.length === 0 && <p className="muted">None.</p>}
          </section>
          <section data-testid="memory-events">
            <h3>Health events</h3>
            <ul>
              {memories.events.map((memory) => (
                <MemoryItem key={memory.id} memory={memory} onForget={(each) => void forget(each)} />
              ))}
            </ul>
            {memories.events.length === 0 && <p className="muted">None.</p>}
          </section>
          <section data-testid="memory-advice">
            <h3>Advice and what it did</h3>
            <ul>
              {memories.advice.map((advice) => (
                <AdviceItem key={advice.id} advice={advice} onForget={(each) => void forget(each)} />
              ))}
            </ul>
            {memories.advice.length === 0 && <p className="muted">None yet: concrete suggestions the agent makes are followed up here.</p>}
          </section>
          <section data-testid="memory-insights">
            <h3>Insights from past conversations</h3>
            <ul>
              {memories.insights.map((memory) => (
                <MemoryItem key={memory.id} memory={memory} onForget={(each) => void forget(each)} />
              ))}
            </ul>
            {memories.insights.length === 0 && <p className="muted">None yet: written after a conversation has been idle for a while.</p>}
          </section>
          <section data-testid="memory-procedures" className="wide">
            <h3>Learned tool patterns</h3>
            <table>
              <thead>
                <tr>
                  <th>question</th>
                  <th>tools</th>
                  <th>runs</th>
                  <th>confidence</th>
                  <th>typical latency</th>
                </tr>
              </thead>
              <tbody>
                {memories.procedures.map((procedure) => (
                  <tr key={procedure.patternHash}>
                    <td>{procedure.query}</td>
                    <td>{procedure.tools.join(" → ")}</td>
                    <td>{procedure.executionCount}</td>
                    <td>{procedure.avgSuccessScore.toFixed(2)}</td>
                    <td>{Math.round(procedure.avgExecutionTimeMs)} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {memories.procedures.length === 0 && <p className="muted">None yet: they are learned from answered questions.</p>}
          </section>
        </div>
      )}
    </div>
  );
}
