import type { Faithfulness } from "./turns";

const LABELS: Record<Faithfulness["status"], string> = {
  supported: "numbers checked",
  corrected: "numbers corrected",
  flagged: "unverified numbers",
};

/**
 * The server's numeric check of a reply: every number supported by the turn's data, corrected by
 * one rewrite, or sent with the numbers it could not support marked. The details name them.
 */
export function FaithfulnessBadge({ result }: { result: Faithfulness }) {
  const named = result.status === "flagged" ? result.flagged : result.unsupported;
  const title = `${result.checked} ${result.checked === 1 ? "number" : "numbers"} checked against this turn's data`;
  if (named.length === 0) {
    return (
      <span className={`faithfulness ${result.status}`} data-testid="faithfulness" data-status={result.status} title={title}>
        {LABELS[result.status]}
      </span>
    );
  }
  return (
    <details className={`faithfulness ${result.status}`} data-testid="faithfulness" data-status={result.status}>
      <summary title={title}>{LABELS[result.status]}</summary>
      <p>{result.status === "flagged" ? "Not found in this turn's data:" : "Rewritten because the first draft stated:"}</p>
      <ul>
        {named.map((text, index) => (
          <li key={index}>{text}</li>
        ))}
      </ul>
    </details>
  );
}
