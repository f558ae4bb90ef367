/**
 * Speculative parsing of one segment of an export: a piece of the file parsed as if it began
 * between two top-level elements of HealthData, which is where the reader cuts (before a line
 * that opens a top-level element). Both threads of {@link readExportInWorker} parse segments so;
 * the thread that aggregates takes a segment's result only once the segment before it is known to
 * have ended exactly there, and parses it again from the true position otherwise, so the outcome
 * is always the one-thread outcome.
 */
import type { Batch, NumbersPool } from "./batch.js";
import { ExportParser, type ResumePoint } from "./reader.js";

/** The export's root element, the one element open where a segment is assumed to start. */
const ROOT = "HealthData";

/** How far back from a segment's end a line opening a top-level element is looked for. */
const CUT_SEARCH_BYTES = 64 * 1024;

/** What parsing a segment from the assumed start gave. */
export interface SegmentResult {
  /** Its elements, with string ids of the segment's own table. */
  batches: Batch[];
  /**
   * Where it ended, with lines, columns and work counted from the segment's start (see
   * {@link composePoint}); undefined when nothing can go on from there (inside a Workout, a
   * comment, a tag), and for the last segment.
   */
  end: ResumePoint | undefined;
  /** It failed from the assumed start: only a parse from the true position says why, if at all. */
  failed: boolean;
  /** Bytes the scanner examined. */
  work: number;
}

/** The point every segment is assumed to start at, with lines, columns and work counted from zero. */
export function assumedStart(bytes: number): ResumePoint {
  return { scanner: { linesBefore: 0, columnCarry: 0, stack: [ROOT], rootSeen: true, rootClosed: false, work: 0 }, depth: 1, bytes };
}

/** Whether a true position is the assumed start of a segment, so its speculative parse holds. */
export function isAssumedStart(point: ResumePoint): boolean {
  const { scanner } = point;
  return point.depth === 1 && scanner.stack.length === 1 && scanner.stack[0] === ROOT && scanner.rootSeen && !scanner.rootClosed;
}

/**
 * The true position after a segment that started at the true position `start` (an assumed start)
 * and ended at `end`, counted from its own start: lines add up, and the column carries over only
 * when the segment holds no newline.
 */
export function composePoint(start: ResumePoint, end: ResumePoint): ResumePoint {
  const lines = end.scanner.linesBefore;
  return {
    scanner: {
      ...end.scanner,
      linesBefore: start.scanner.linesBefore + lines,
      columnCarry: lines > 0 ? end.scanner.columnCarry : start.scanner.columnCarry + end.scanner.columnCarry,
      work: start.scanner.work + end.scanner.work,
    },
    depth: end.depth,
    bytes: start.bytes + end.bytes,
  };
}

/**
 * Parses a segment from the assumed start. It never throws: a failure only means the assumption
 * or the file is wrong, which the in-order check sorts out.
 */
export function parseSegment(bytes: Uint8Array, final: boolean, pool?: NumbersPool): SegmentResult {
  const batches: Batch[] = [];
  const parser = new ExportParser((batch) => batches.push(batch), undefined, pool);
  parser.resume(assumedStart(0));
  try {
    parser.write(bytes);
    if (final) parser.end();
  } catch {
    for (const batch of batches) pool?.give(batch.numbers);
    return { batches: [], end: undefined, failed: true, work: parser.work };
  }
  return { batches, end: final ? undefined : parser.resumePoint(), failed: false, work: parser.work };
}

/**
 * Where to end a segment in `bytes[0..filled)`: before the last line that opens a top-level
 * element (a newline, one space, `<` and anything but `/`, as Apple writes them), else after the
 * last `>`, else at `filled`. A cut anywhere is correct; these make the speculation usually hold.
 */
export function segmentCut(bytes: Uint8Array, filled: number): number {
  const stop = Math.max(0, filled - CUT_SEARCH_BYTES);
  let at = filled - 4;
  while (at > stop) {
    const newline = bytes.lastIndexOf(10, at);
    if (newline === -1) break;
    if (newline > 0 && bytes[newline + 1] === 32 && bytes[newline + 2] === 60 && bytes[newline + 3] !== 47) return newline;
    at = newline - 1;
  }
  return bytes.lastIndexOf(62, filled - 1) + 1 || filled;
}
