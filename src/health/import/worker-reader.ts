import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { Worker } from "node:worker_threads";
import { BatchReader, NumbersPool, type Batch, type ExportSink } from "./batch.js";
import { startParseWorker } from "./parse-worker-start.js";
import { ExportParser, readFailure, type ReadResult, type ResumePoint } from "./reader.js";
import type { ByteSource } from "./source.js";
import { composePoint, isAssumedStart, parseSegment, segmentCut, type SegmentResult } from "./segment.js";
import { BY_THREAD, claimOf, UNCLAIMED, type SharedSegments, type WorkerReply, type WorkerRequest } from "./worker-protocol.js";

/** How a read's segments were parsed, for tests and measurements. */
export interface SegmentCounts {
  /** Parsed from the assumed start in the worker. */
  inWorker: number;
  /** Parsed from the assumed start in this thread. */
  inThread: number;
  /** Parsed from the true position in this thread: the first, any whose assumed start did not hold, any taken back from the worker. */
  fromTruePosition: number;
  /** Speculative results thrown away because their assumed start did not hold. */
  discarded: number;
}

/** What {@link readExportInWorker} read, and how many threads parsed it. */
export interface WorkerReadResult extends ReadResult {
  /** 2 when the worker parsed any segment, 1 when everything was parsed in the calling thread. */
  parseThreads: 1 | 2;
  /** Why the worker did not start, when it did not: the parse then took one thread. */
  parseWorkerError?: string;
}

export interface WorkerReadOptions {
  /**
   * Parse at least this many bytes in this thread before any segment goes to the worker, waiting
   * for the worker to start if need be. By default segments go to the worker as soon as it has
   * started, never waiting. Tests use it to choose the point.
   */
  handOverAt?: number;
  /** The parse worker, if the caller started it (tests give one that fails to start); the read ends it. By default the read starts one. */
  worker?: Worker;
  /** Called with the bytes before the first segment that goes to the worker. */
  onHandOver?: (bytes: number) => void;
  /** Told, at the end of a read that succeeded, how its segments were parsed. */
  onSegments?: (counts: SegmentCounts) => void;
  /**
   * Take back, rather than wait for, segments the worker has not started (default true). Tests
   * turn it off so that the worker parses every segment it is asked for.
   */
  takeBack?: boolean;
}

/** Segments of about this size: large enough that a message costs little, small enough to balance the threads. */
const SEGMENT_BYTES = 1 << 20;
/** Segments the worker may be asked for at once: enough that it rarely waits while this thread parses and aggregates. */
const MAX_IN_WORKER = 6;
/** Segments read and not yet aggregated before the reader waits: bounds memory whatever the file size. */
const MAX_PENDING = 12;
/** Slots: every pending segment, the one being filled, and one a parser may still hold. */
const SLOTS = MAX_PENDING + 2;

interface Segment {
  seq: number;
  slot: number;
  bytes: Uint8Array;
  final: boolean;
  /** Asked of the worker, and neither answered nor taken back. */
  inWorker: boolean;
  result: SegmentResult | undefined;
}

function isReadable(input: Readable | ByteSource): input is Readable {
  return input instanceof Readable;
}

/**
 * Reads an export like {@link readExport}, from a stream or straight from a file (a
 * {@link ByteSource}), with the parse spread over two cores. This thread reads the file into
 * segments of about 1 MB in memory both threads share, cut before a line that opens a top-level
 * element, and hashes it; each segment is parsed, as if it began between two top-level elements,
 * by the worker when it has room and by this thread otherwise; and this thread aggregates the
 * segments' elements strictly in file order. A speculative result is used only when the segment
 * before it truly ended between two top-level elements and the result has no error; otherwise
 * this thread parses the segment from the true position (and, after a segment that ended inside
 * a Workout, a Correlation or a comment, parses that one again first, to hold its state). So the
 * aggregator sees exactly the elements, order and errors (with line and column) of one thread.
 * Whoever claims a segment first parses it: when this thread would wait for a segment the worker
 * has not started (a busy machine descheduled it), it takes the segment back. Batches come back
 * transferred, never copied; the shared slots are reused, so memory stays flat. A worker that
 * fails to start only means the parse stays in this thread, which the result reports.
 *
 * @throws {ImportError} as {@link readExport} does.
 * @example
 * ```ts
 * const result = await readExportInWorker(source.bytes ?? source.stream, aggregator);
 * ```
 */
export async function readExportInWorker(
  input: Readable | ByteSource,
  sink: ExportSink,
  onProgress: (bytes: number) => void = () => undefined,
  options: WorkerReadOptions = {},
): Promise<WorkerReadResult> {
  const { handOverAt, onHandOver, onSegments, takeBack: mayTakeBack = true } = options;
  const worker = options.worker ?? startParseWorker();
  const shared: SharedSegments = { memory: new SharedArrayBuffer(SLOTS * SEGMENT_BYTES), claims: new SharedArrayBuffer(SLOTS * 4), slotBytes: SEGMENT_BYTES };
  const claims = new Int32Array(shared.claims);
  worker.postMessage({ kind: "memory", shared } satisfies WorkerRequest);
  const freeSlots = Array.from({ length: SLOTS }, (_, slot) => SLOTS - 1 - slot);
  const slotBytes = (slot: number) => new Uint8Array(shared.memory, slot * SEGMENT_BYTES, SEGMENT_BYTES);
  const hash = createHash("sha256");
  const counts: SegmentCounts = { inWorker: 0, inThread: 0, fromTruePosition: 0, discarded: 0 };
  let ready = false;
  let started: (ready: boolean) => void = () => undefined;
  const starting = new Promise<boolean>((resolve) => (started = resolve));
  let sentAny = false;
  /** Why the worker never started, when it did not (the parse then stays in this thread). */
  let startFailure: string | undefined;
  let inWorker = 0;
  let failure: Error | undefined;
  const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
  /** Throws the failure that ended the read, if any (a worker's message may have set it meanwhile). */
  const checkFailure = () => {
    if (failure !== undefined) throw failure;
  };
  let wake: (() => void) | undefined;
  const waitForNews = () => new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const queue: Segment[] = [];
  let seq = 0;
  let readBytes = 0;
  let applied = 0;
  let reported = 0;
  /** The slot of the last segment, while a parser that stopped inside a construct may hold a view of it. */
  let pinned: number | undefined;

  /**
   * The true state after the segments aggregated so far: a parser holding it (at the start, and
   * after a segment that ended where no other parser can go on), or the point it reached.
   */
  const pool = new NumbersPool();
  let output = true;
  let liveReader = new BatchReader(sink);
  const liveEmit = (batch: Batch) => {
    if (output) liveReader.apply(batch);
    else liveReader.learn(batch);
    pool.give(batch.numbers);
  };
  let live: ExportParser | undefined = new ExportParser(liveEmit, undefined, pool);
  let at: ResumePoint | undefined;

  /** A parser at the true point `point`, with a reader of its own; while `output` is off, its elements are dropped. */
  const parserAt = (point: ResumePoint) => {
    liveReader = new BatchReader(sink);
    const parser = new ExportParser(liveEmit, undefined, pool);
    parser.resume(point);
    return parser;
  };

  /** Aggregates the next segment in file order, from its speculative result when that holds. */
  const apply = (segment: Segment) => {
    const { bytes, result } = segment;
    if (live === undefined && at !== undefined && result && !result.failed && isAssumedStart(at)) {
      const reader = new BatchReader(sink);
      for (const batch of result.batches) {
        reader.apply(batch);
        pool.give(batch.numbers);
      }
      if (result.end) {
        at = composePoint(at, result.end);
      } else if (!segment.final) {
        output = false;
        live = parserAt(at);
        live.write(bytes);
        output = true;
        at = undefined;
        counts.fromTruePosition += 1;
      }
    } else {
      if (result) counts.discarded += 1;
      for (const batch of result?.batches ?? []) pool.give(batch.numbers);
      if (live === undefined) {
        live = parserAt(at as ResumePoint);
        at = undefined;
      }
      counts.fromTruePosition += 1;
      live.write(bytes);
      if (segment.final) live.end();
      at = segment.final ? undefined : live.resumePoint();
      if (at) live = undefined;
    }
    if (pinned !== undefined) freeSlots.push(pinned);
    pinned = undefined;
    if (live === undefined) freeSlots.push(segment.slot);
    else pinned = segment.slot;
    applied += segment.bytes.length;
    if (applied - reported >= 4 << 20) {
      reported = applied;
      onProgress(applied);
    }
  };

  /** Takes a segment back from the worker if it has not started it; true when taken. */
  const takeBack = (segment: Segment) => {
    if (!segment.inWorker || !mayTakeBack) return false;
    if (Atomics.compareExchange(claims, segment.slot, claimOf(segment.seq, UNCLAIMED), claimOf(segment.seq, BY_THREAD)) !== claimOf(segment.seq, UNCLAIMED)) return false;
    segment.inWorker = false;
    counts.inWorker -= 1;
    return true;
  };

  /** Aggregates every segment at the head of the queue that is parsed, or parses it here when it has to be. */
  const drain = () => {
    for (;;) {
      const head = queue[0];
      if (!head || (head.inWorker && head.result === undefined)) return;
      queue.shift();
      apply(head);
    }
  };

  /**
   * Instead of waiting: takes back the first segment the worker has not started, and aggregates
   * or parses it here. False when there is nothing to take (then waiting is right).
   */
  const work = () => {
    const segment = queue.find((pending) => pending.inWorker && pending.result === undefined && takeBack(pending));
    if (!segment) return false;
    if (segment !== queue[0]) {
      segment.result = parseSegment(segment.bytes, segment.final, pool);
      counts.inThread += 1;
    }
    drain();
    return true;
  };

  const fail = (error: unknown) => {
    if (!sentAny) {
      startFailure ??= asError(error).message;
      ready = false;
      started(false);
      return;
    }
    if (failure !== undefined) return;
    failure = asError(error);
    notify();
  };
  worker.on("message", (reply: WorkerReply) => {
    if (failure !== undefined) return;
    if (reply.kind === "ready") {
      ready = true;
      started(true);
      return;
    }
    inWorker -= 1;
    const segment = queue.find((pending) => pending.seq === reply.seq);
    if (reply.kind === "segment" && segment?.inWorker) {
      segment.inWorker = false;
      segment.result = reply.result;
      try {
        drain();
      } catch (error) {
        failure = asError(error);
      }
    }
    notify();
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the parse worker stopped (exit code ${code})`)));

  /** Queues a segment: parsed for real when nothing is ahead of it and no guess would hold, else by the worker or here. */
  const submit = async (slot: number, length: number, final: boolean) => {
    checkFailure();
    const before = readBytes;
    readBytes += length;
    const certainNow = () => queue.length === 0 && (live !== undefined || !isAssumedStart(at as ResumePoint));
    if (!certainNow() && !sentAny && handOverAt !== undefined && before >= handOverAt) await starting;
    checkFailure();
    const certain = certainNow();
    const segment: Segment = { seq: seq++, slot, bytes: slotBytes(slot).subarray(0, length), final, inWorker: false, result: undefined };
    queue.push(segment);
    if (certain) {
      // Nothing ahead of it: drain parses it from the true position.
    } else if (ready && before >= (handOverAt ?? 0) && inWorker < MAX_IN_WORKER) {
      if (!sentAny) onHandOver?.(before);
      sentAny = true;
      Atomics.store(claims, slot, claimOf(segment.seq, UNCLAIMED));
      const spare = pool.lend(2);
      worker.postMessage({ kind: "segment", seq: segment.seq, slot, length, final, spare } satisfies WorkerRequest, spare.map((numbers) => numbers.buffer as ArrayBuffer));
      segment.inWorker = true;
      inWorker += 1;
      counts.inWorker += 1;
    } else {
      segment.result = parseSegment(segment.bytes, final, pool);
      counts.inThread += 1;
    }
    drain();
    while ((queue.length >= MAX_PENDING || freeSlots.length === 0) && failure === undefined) if (!work()) await waitForNews();
    checkFailure();
  };

  try {
    let slot = freeSlots.pop() as number;
    let piece = slotBytes(slot);
    let filled = 0;
    /** Submits the full piece up to its cut, and starts the next piece, in a free slot, with the rest. */
    const cutPiece = async () => {
      const cut = segmentCut(piece, filled);
      const nextSlot = freeSlots.pop() as number;
      const next = slotBytes(nextSlot);
      next.set(piece.subarray(cut, filled));
      await submit(slot, cut, false);
      slot = nextSlot;
      piece = next;
      filled -= cut;
    };
    if (isReadable(input)) {
      for await (const data of input) {
        let bytes = data as Buffer;
        hash.update(bytes);
        while (bytes.length > 0) {
          const take = Math.min(bytes.length, SEGMENT_BYTES - filled);
          piece.set(bytes.subarray(0, take), filled);
          filled += take;
          bytes = bytes.subarray(take);
          if (filled === SEGMENT_BYTES) await cutPiece();
        }
      }
    } else {
      for (;;) {
        const read = await input.read(piece, filled, SEGMENT_BYTES - filled);
        if (read === 0) break;
        hash.update(piece.subarray(filled, filled + read));
        filled += read;
        if (filled === SEGMENT_BYTES) await cutPiece();
      }
    }
    await submit(slot, filled, true);
    while (queue.length > 0 && failure === undefined) if (!work()) await waitForNews();
    checkFailure();
    onProgress(readBytes);
    onSegments?.(counts);
    return { sha256: hash.digest("hex"), bytes: readBytes, parseThreads: counts.inWorker > 0 ? 2 : 1, ...(startFailure === undefined ? {} : { parseWorkerError: startFailure }) };
  } catch (error) {
    throw readFailure(error);
  } finally {
    worker.removeAllListeners("exit");
    await worker.terminate();
  }
}
