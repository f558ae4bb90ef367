import type { ToolCallView } from "./turns";

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** One tool call: its name and arguments, and its result folded away until asked for. */
export function ToolCall({ call }: { call: ToolCallView }) {
  const args = JSON.stringify(call.args);
  return (
    <details className={call.failed ? "tool-call failed" : "tool-call"} data-testid="tool-call">
      <summary>
        <span className="tool-name">{call.name}</span> <code className="tool-args">{args}</code>
        {call.result === undefined ? <span className="muted"> running…</span> : call.failed ? <span className="bad"> failed</span> : null}
      </summary>
      {call.result !== undefined && <pre className="tool-result">{pretty(call.result)}</pre>}
    </details>
  );
}
