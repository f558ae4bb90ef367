import { useEffect, useState } from "react";
import type { HealthReport, Me } from "../api/types";

const REFRESH_MS = 15_000;

/**
 * Redis, model and circuit state from GET /health, refreshed, with the live system (server and
 * worker processes, models in use; each model's calls, errors and latency on hover); the user's
 * name when tokens are in use.
 */
export function StatusBar({ me, onSignOut }: { me: Me | null; onSignOut: () => void }) {
  const [report, setReport] = useState<HealthReport | null>(null);
  const [unreachable, setUnreachable] = useState(false);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const response = await fetch("/health");
        const body = (await response.json()) as HealthReport;
        if (!stopped) {
          setReport(body);
          setUnreachable(false);
        }
      } catch {
        if (!stopped) setUnreachable(true);
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const redis = unreachable ? "server unreachable" : !report ? "…" : report.redis.ok ? `Redis ${report.redis.version ?? ""} ${report.redis.latencyMs ?? "?"} ms` : `Redis down: ${report.redis.error ?? "no answer"}`;
  const model = unreachable || !report ? "…" : !report.model ? "model: not checked" : report.model.ok ? "model: ready" : `model: unreachable`;
  const circuit = report?.breaker?.state ?? "n/a";
  const live = report?.live?.ok ? report.live : null;
  const processes = live ? `${live.instances.length} server${live.instances.length === 1 ? "" : "s"}, ${live.workers.length} worker${live.workers.length === 1 ? "" : "s"}` : "…";
  const modelLines = (live?.models ?? []).map(
    (each) => `${each.kind} ${each.provider}/${each.name}: ${each.calls} calls, ${each.errors} errors, p50 ${each.latency.p50Ms ?? "?"} ms, p95 ${each.latency.p95Ms ?? "?"} ms`,
  );

  return (
    <header className="status-bar">
      <h1>Wellness agent</h1>
      <span data-testid="status-redis" className={report?.redis.ok && !unreachable ? "pill ok" : "pill bad"} title={report?.redis.error ?? ""}>
        {redis}
      </span>
      <span data-testid="status-model" className={report?.model?.ok ? "pill ok" : "pill warn"} title={report?.model?.error ?? ""}>
        {model}
      </span>
      <span data-testid="status-live" className={live ? "pill ok" : "pill warn"} title={modelLines.join("\n")}>
        {processes}
        {live && live.models.length > 0 ? `, ${live.models.length} model${live.models.length === 1 ? "" : "s"}` : ""}
      </span>
      <span data-testid="status-circuit" className={circuit === "closed" ? "pill ok" : "pill warn"}>
        circuit: {circuit}
      </span>
      <span className="spacer" />
      {me?.tokens && (
        <>
          <span data-testid="status-user" className="user">
            {me.userId}
          </span>
          <button type="button" className="link" onClick={onSignOut}>
            Sign out
          </button>
        </>
      )}
    </header>
  );
}
