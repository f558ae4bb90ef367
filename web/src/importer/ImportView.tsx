import { useState, type DragEvent } from "react";
import { upload, type UploadProgress } from "../api/http";
import type { ImportSummary } from "../api/types";
import { useSession } from "../session";

type Phase = { state: "idle" } | { state: "uploading"; name: string; progress: UploadProgress } | { state: "importing"; name: string } | { state: "done"; summary: ImportSummary } | { state: "failed"; error: string };

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** Counters in the summary that tell what was dropped (duplicates, skipped values), whatever the importer names them. */
function droppedOf(summary: ImportSummary): [string, number][] {
  const found: [string, number][] = [];
  for (const [key, value] of Object.entries(summary)) {
    if (/duplicate/iu.test(key) && typeof value === "number") found.push([key, value]);
    if (key === "skipped" && value && typeof value === "object") {
      for (const [reason, count] of Object.entries(value as Record<string, unknown>)) if (typeof count === "number" && count > 0) found.push([`skipped: ${reason}`, count]);
    }
  }
  return found;
}

function Summary({ summary, onOpen }: { summary: ImportSummary; onOpen: () => void }) {
  const types = Object.entries(summary.recordsByType ?? {}).sort(([, a], [, b]) => b - a);
  const dropped = droppedOf(summary);
  return (
    <section className="import-summary" data-testid="import-summary">
      <h3>Imported</h3>
      <dl>
        <dt>Records</dt>
        <dd>{summary.records?.toLocaleString() ?? "—"}</dd>
        <dt>First day</dt>
        <dd data-testid="import-first-day">{summary.firstDate ?? "—"}</dd>
        <dt>Last day</dt>
        <dd data-testid="import-last-day">{summary.lastDate ?? "—"}</dd>
        <dt>Workouts</dt>
        <dd>{summary.workouts ?? "—"}</dd>
        <dt>Sleep nights</dt>
        <dd>{summary.sleepNights ?? "—"}</dd>
        {summary.seconds !== undefined && (
          <>
            <dt>Took</dt>
            <dd>{summary.seconds.toFixed(1)} s</dd>
          </>
        )}
        {dropped.map(([label, count]) => (
          <span key={label} className="dl-row">
            <dt>{label.replace(/([A-Z])/gu, " $1").toLowerCase()}</dt>
            <dd>{count.toLocaleString()}</dd>
          </span>
        ))}
      </dl>
      <table>
        <thead>
          <tr>
            <th>record type</th>
            <th>records</th>
          </tr>
        </thead>
        <tbody>
          {types.map(([type, count]) => (
            <tr key={type}>
              <td>{type}</td>
              <td>{count.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="primary" onClick={onOpen}>
        See the charts
      </button>
    </section>
  );
}

/** Drop export.zip or export.xml here: it is uploaded with a progress bar to POST /api/import, then the summary shows. */
export function ImportView({ onImported }: { onImported: () => void }) {
  const { token } = useSession();
  const [phase, setPhase] = useState<Phase>({ state: "idle" });
  const [over, setOver] = useState(false);
  const busy = phase.state === "uploading" || phase.state === "importing";

  const start = async (file: File | undefined) => {
    if (!file || busy) return;
    if (!/\.(zip|xml)$/iu.test(file.name)) {
      setPhase({ state: "failed", error: `${file.name} is neither export.zip nor export.xml. In the Health app: your picture > Export All Health Data.` });
      return;
    }
    setPhase({ state: "uploading", name: file.name, progress: { loaded: 0, total: file.size } });
    try {
      const summary = await upload<ImportSummary>(token, "/api/import", file, (progress) => {
        setPhase(progress.loaded >= progress.total ? { state: "importing", name: file.name } : { state: "uploading", name: file.name, progress });
      });
      setPhase({ state: "done", summary });
    } catch (error) {
      setPhase({ state: "failed", error: (error as Error).message });
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    void start(event.dataTransfer.files[0]);
  };

  return (
    <div className="import">
      <label
        className={over ? "drop-zone over" : "drop-zone"}
        data-testid="import-drop"
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <strong>Drop export.zip or export.xml here</strong>
        <span className="muted">or click to choose the file. It is read on this server only; nothing leaves it.</span>
        <input
          type="file"
          data-testid="import-file"
          accept=".zip,.xml,application/zip,text/xml,application/xml"
          disabled={busy}
          onChange={(event) => {
            void start(event.target.files?.[0]);
            event.target.value = "";
          }}
        />
      </label>
      {phase.state === "uploading" && (
        <div className="progress">
          <span>
            Uploading {phase.name}: {megabytes(phase.progress.loaded)} of {megabytes(phase.progress.total)}
          </span>
          <progress data-testid="import-progress" max={phase.progress.total} value={phase.progress.loaded} />
        </div>
      )}
      {phase.state === "importing" && (
        <div className="progress">
          <span>Importing {phase.name}… (the previous data stays until this one is complete)</span>
          <progress data-testid="import-progress" />
        </div>
      )}
      {phase.state === "failed" && (
        <p className="error" role="alert" data-testid="import-error">
          {phase.error}
        </p>
      )}
      {phase.state === "done" && <Summary summary={phase.summary} onOpen={onImported} />}
    </div>
  );
}
