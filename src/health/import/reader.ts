import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { ImportError } from "../../errors.js";
import { XmlScanner, XmlSyntaxError } from "./xml-scanner.js";

export type Attributes = Record<string, string>;

/** A Workout element with the WorkoutStatistics it holds (modern exports keep totals only there). */
export interface RawWorkout {
  attributes: Attributes;
  statistics: Attributes[];
}

/** Receives the export's elements in document order, synchronously, one at a time. */
export interface ExportSink {
  exportDate(value: string): void;
  me(attributes: Attributes): void;
  record(attributes: Attributes): void;
  /** A Record inside a Correlation; Apple usually repeats it at the top level, trimmed files may not. */
  correlatedRecord(attributes: Attributes): void;
  workout(workout: RawWorkout): void;
  activitySummary(attributes: Attributes): void;
}

export interface ReadResult {
  /** sha256 of the XML bytes: the import's provenance, and how re-imports are recognised. */
  sha256: string;
  bytes: number;
}

/**
 * Streams an export XML through the XML scanner into a sink, holding at most one element at a time.
 * The DOCTYPE is skipped, never processed: entities it declares are not expanded, so an XML bomb
 * or an external entity only ends the import with a malformed-XML error, and the broken DTD of
 * iOS 16 exports does not matter. Records inside a Correlation go to their own sink method, since
 * Apple normally repeats them at the top level.
 *
 * @throws {ImportError} ERR_IMPORT_MALFORMED_XML with line and column, or
 *   ERR_IMPORT_UNSUPPORTED_FORMAT when the root element is not HealthData.
 */
export async function readExport(
  stream: Readable,
  sink: ExportSink,
  onProgress: (bytes: number) => void = () => undefined,
): Promise<ReadResult> {
  const hash = createHash("sha256");
  const decoder = new StringDecoder("utf8");
  let depth = 0;
  let rootSeen = false;
  let correlationDepth = 0;
  let workout: RawWorkout | undefined;
  let workoutDepth = 0;
  let bytes = 0;

  const scanner = new XmlScanner({
    openTag(name, attributes, selfClosing) {
      depth += 1;
      if (!rootSeen) {
        rootSeen = true;
        if (name !== "HealthData") {
          throw new ImportError(
            "ERR_IMPORT_UNSUPPORTED_FORMAT",
            `This is not an Apple Health export (its root element is <${name}>, not <HealthData>). Give export.zip or the export.xml inside it; export_cda.xml is not supported.`,
          );
        }
        return;
      }
      if (workout) {
        if (name === "WorkoutStatistics") workout.statistics.push(attributes);
        return;
      }
      if (correlationDepth > 0) {
        if (name === "Record" && depth === correlationDepth + 1) sink.correlatedRecord(attributes);
        return;
      }
      switch (name) {
        case "Record":
          if (depth === 2) sink.record(attributes);
          break;
        case "Correlation":
          if (!selfClosing) correlationDepth = depth;
          break;
        case "Workout":
          if (selfClosing) {
            sink.workout({ attributes, statistics: [] });
          } else {
            workout = { attributes, statistics: [] };
            workoutDepth = depth;
          }
          break;
        case "ActivitySummary":
          sink.activitySummary(attributes);
          break;
        case "ExportDate":
          if (attributes.value) sink.exportDate(attributes.value);
          break;
        case "Me":
          sink.me(attributes);
          break;
        default:
          break;
      }
    },
    closeTag() {
      if (workout && depth === workoutDepth) {
        sink.workout(workout);
        workout = undefined;
      }
      if (correlationDepth > 0 && depth === correlationDepth) correlationDepth = 0;
      depth -= 1;
    },
  });

  const malformed = (error: XmlSyntaxError) =>
    new ImportError(
      "ERR_IMPORT_MALFORMED_XML",
      `The export XML is malformed at line ${error.line}, column ${error.column}: ${error.message.replace(/ \(line \d+, column \d+\)$/u, "")}. Export it again from the Health app; a cut-off file usually means the export or the copy did not finish.`,
      { cause: error, line: error.line, column: error.column },
    );

  let reported = 0;
  let first = true;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      hash.update(buffer);
      let text = decoder.write(buffer);
      if (first) {
        text = text.replace(/^\uFEFF/u, "");
        first = false;
      }
      scanner.write(text);
      if (bytes - reported >= 4 << 20) {
        reported = bytes;
        onProgress(bytes);
      }
    }
    scanner.write(decoder.end());
    scanner.end();
  } catch (error) {
    if (error instanceof ImportError) throw error;
    if (error instanceof XmlSyntaxError) throw malformed(error);
    throw new ImportError(
      "ERR_IMPORT_BAD_ZIP",
      `Reading the export failed (${(error as Error).message}); the file may be truncated. Export it again from the Health app.`,
      { cause: error },
    );
  }
  onProgress(bytes);
  return { sha256: hash.digest("hex"), bytes };
}
