import type { Turn, TurnMetrics } from "./turns";
import type { PaneChat } from "./usePaneChat";

export interface SentQuestion {
  question: string;
  stateful?: string;
  stateless?: string;
}

function cells(chat: PaneChat, id: string | undefined) {
  if (!id) return ["—", "—", "—"];
  const turn: Turn | undefined = chat.turns.find((each) => each.id === id);
  const metrics: TurnMetrics | undefined = chat.metrics.get(id);
  return [
    metrics?.latencyMs === undefined ? "…" : `${metrics.latencyMs} ms`,
    turn ? (turn.toolCalls.length === 0 ? "none" : turn.toolCalls.map((call) => call.name).join(", ")) : "…",
    turn?.tokens == null ? "n/a" : String(turn.tokens),
  ];
}

/** The two panes turn by turn: latency, tools and tokens (when the model reports them). */
export function ComparisonTable({ sent, stateful, stateless }: { sent: SentQuestion[]; stateful: PaneChat; stateless: PaneChat }) {
  if (sent.length === 0) return null;
  return (
    <table className="comparison" data-testid="comparison">
      <thead>
        <tr>
          <th rowSpan={2}>#</th>
          <th rowSpan={2}>question</th>
          <th colSpan={3}>stateful</th>
          <th colSpan={3}>stateless</th>
        </tr>
        <tr>
          <th>latency</th>
          <th>tools</th>
          <th>tokens</th>
          <th>latency</th>
          <th>tools</th>
          <th>tokens</th>
        </tr>
      </thead>
      <tbody>
        {sent.map((row, index) => (
          <tr key={index}>
            <td>{index + 1}</td>
            <td className="question">{row.question}</td>
            {cells(stateful, row.stateful).map((cell, column) => (
              <td key={`a${column}`}>{cell}</td>
            ))}
            {cells(stateless, row.stateless).map((cell, column) => (
              <td key={`b${column}`}>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
