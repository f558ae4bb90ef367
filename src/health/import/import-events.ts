import { WellnessError } from "../../errors.js";
import type { EventSink } from "../../events/types.js";

/** Where an import reports itself, and how often it reports progress. */
export interface ImportEventOptions {
  sink: EventSink;
  /** A progress event after this many more records (default 50,000)... */
  everyRecords?: number;
  /** ...or this many more bytes of XML (default 16 MiB), whichever comes first. */
  everyBytes?: number;
}

interface Progress {
  bytesRead: number;
  totalBytes: number;
  records: number;
}

interface Finished {
  records: number;
  metrics: number;
  workouts: number;
  sleepNights: number;
  firstDate: string | null;
  lastDate: string | null;
  seconds: number;
}

/**
 * The events of one import, for one user: `import.started`, `import.progress` every so many
 * records or bytes (and at the end), `import.finished` with the counts, or `import.failed` with
 * the error's code. Without options nothing is published. Kept apart from the importer so the
 * importer only calls it at four points.
 *
 * @example
 * ```ts
 * const events = new ImportEvents("alice", { sink: bus });
 * events.started("export.zip", 1_000_000);
 * ```
 */
export class ImportEvents {
  private readonly everyRecords: number;
  private readonly everyBytes: number;
  private lastRecords = 0;
  private lastBytes = 0;

  constructor(
    private readonly userId: string,
    private readonly options: ImportEventOptions | undefined,
  ) {
    this.everyRecords = options?.everyRecords ?? 50_000;
    this.everyBytes = options?.everyBytes ?? 16 * 1024 * 1024;
  }

  started(file: string, bytes: number): void {
    this.options?.sink.publish(this.userId, { type: "import.started", file, bytes });
  }

  /** Wraps an onProgress callback so each call also reaches the throttled progress event. */
  observe<T extends Progress>(onProgress: ((progress: T) => void) | undefined): ((progress: T) => void) | undefined {
    if (!this.options) return onProgress;
    return (progress) => {
      onProgress?.(progress);
      this.progress(progress);
    };
  }

  progress({ bytesRead, totalBytes, records }: Progress): void {
    const done = totalBytes > 0 && bytesRead >= totalBytes;
    if (!done && records - this.lastRecords < this.everyRecords && bytesRead - this.lastBytes < this.everyBytes) return;
    if (done && bytesRead === this.lastBytes && records === this.lastRecords) return;
    this.lastRecords = records;
    this.lastBytes = bytesRead;
    this.options?.sink.publish(this.userId, { type: "import.progress", bytesRead, totalBytes, records });
  }

  /** Publishes `import.finished` and hands the summary back, so the importer can `return events.finished(summary)`. */
  finished<T extends Finished>(summary: T): T {
    const { records, metrics, workouts, sleepNights, firstDate, lastDate, seconds } = summary;
    this.options?.sink.publish(this.userId, { type: "import.finished", records, metrics, workouts, sleepNights, firstDate, lastDate, seconds });
    return summary;
  }

  failed(error: unknown): void {
    const code = error instanceof WellnessError ? error.code : "ERR_INTERNAL";
    const message = error instanceof WellnessError ? error.message : "The import failed unexpectedly; see the server log.";
    this.options?.sink.publish(this.userId, { type: "import.failed", code, message });
  }
}
