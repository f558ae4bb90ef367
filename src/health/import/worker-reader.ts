import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { ImportError, type ImportErrorCode } from "../../errors.js";
import { BatchReader, type Batch, type ExportSink } from "./batch.js";
import { ExportParser, readFailure, type ParserPosition, type ReadResult } from "./reader.js";

/** Messages to the parse worker: where to go on from, then pieces of input, then the end. */
export type WorkerRequest = { kind: "resume"; position: ParserPosition } | { kind: "chunk"; chunk: Uint8Array } | { kind: "end" };

/** Messages from the parse worker, in order: a chunk's batches come before its acknowledgement. */
export type WorkerReply =
  | { kind: "ready" }
  | { kind: "batch"; batch: Batch }
  | { kind: "chunk"; bytes: number }
  | { kind: "done"; work: number }
  | { kind: "error"; code: ImportErrorCode; message: string; line: number | undefined; column: number | undefined };

export interface WorkerReadOptions {
  /**
   * Parse at least this many bytes in this thread, then move the parse to the worker at the next
   * point between two elements, waiting for the worker to start if need be. By default the parse
   * moves as soon as the worker has started, never waiting. Tests use it to choose the point.
   */
  handOverAt?: number;
  /** Called with the bytes parsed in this thread when the parse moves to the worker. */
  onHandOver?: (bytes: number) => void;
}

/** Input handed over in pieces of about this size (fewer, larger messages). */
const PIECE_BYTES = 1 << 20;
/** Pieces the worker may hold before the reader waits: bounds memory whatever the file size. */
const MAX_IN_FLIGHT = 4;
const GT = 62;

/**
 * Starts the worker's module beside this one: the compiled JavaScript, or, when running from the
 * TypeScript sources (tests, benchmarks), the .ts file with tsx's loader registered first.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./parse-worker.js", here));
  const tsx = createRequire(here).resolve("tsx/esm/api").replace(/\.cjs$/u, ".mjs");
  const script = new URL("./parse-worker.ts", here).href;
  return new Worker(`import(${JSON.stringify(pathToFileURL(tsx).href)}).then((api) => { api.register(); return import(${JSON.stringify(script)}); });`, {
    eval: true,
  });
}

/**
 * Reads an export like {@link readExport}, with the XML scanned and walked on a second core: this
 * thread reads the file, hashes it and aggregates; the worker parses; they trade 1 MB input
 * pieces and batches of decoded records (transferred, not copied). A worker takes a while to
 * start (tens of milliseconds compiled, a few hundred under tsx), so this thread parses until it
 * is ready, then hands the parse over between two elements, with its string table and position.
 * Pieces end after a `>`, so such a point comes at once. At most a few pieces are in flight, so memory stays flat;
 * the aggregator sees the records in document order, exactly as in one thread. A worker that
 * fails to start only means the whole parse stays in this thread.
 *
 * @throws {ImportError} as {@link readExport} does.
 * @example
 * ```ts
 * const result = await readExportInWorker(source.stream, aggregator);
 * ```
 */
export async function readExportInWorker(
  stream: Readable,
  sink: ExportSink,
  onProgress: (bytes: number) => void = () => undefined,
  options: WorkerReadOptions = {},
): Promise<ReadResult> {
  const { handOverAt, onHandOver } = options;
  const worker = startWorker();
  const reader = new BatchReader(sink);
  const local = new ExportParser((batch) => reader.apply(batch));
  const hash = createHash("sha256");
  let ready = false;
  let started: (ready: boolean) => void = () => undefined;
  const starting = new Promise<boolean>((resolve) => (started = resolve));
  let handedOver = false;
  let inFlight = 0;
  let applied = 0;
  let reported = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  finished.catch(() => undefined);
  const fail = (error: unknown) => {
    if (!handedOver) {
      ready = false;
      started(false);
      return;
    }
    if (failure !== undefined) return;
    failure = error;
    settle?.reject(error);
    wake?.();
  };
  const progress = (bytes: number) => {
    applied += bytes;
    if (applied - reported >= 4 << 20) {
      reported = applied;
      onProgress(applied);
    }
  };
  worker.on("message", (reply: WorkerReply) => {
    if (failure !== undefined) return;
    try {
      if (reply.kind === "ready") {
        ready = true;
        started(true);
      } else if (reply.kind === "batch") {
        reader.apply(reply.batch);
      } else if (reply.kind === "chunk") {
        inFlight -= 1;
        progress(reply.bytes);
        wake?.();
      } else if (reply.kind === "done") {
        settle?.resolve();
      } else {
        fail(new ImportError(reply.code, reply.message, { line: reply.line, column: reply.column }));
      }
    } catch (error) {
      fail(error);
    }
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the parse worker stopped (exit code ${code})`)));
  /** Parses a piece here, or hands it (and, the first time, the parse) to the worker. */
  const parse = async (piece: Uint8Array, length: number) => {
    if (!handedOver && local.bytes >= (handOverAt ?? 0) && (ready || (handOverAt !== undefined && (await starting)))) {
      const position = local.between();
      if (position) {
        worker.postMessage({ kind: "resume", position } satisfies WorkerRequest);
        handedOver = true;
        onHandOver?.(local.bytes);
      }
    }
    if (handedOver) {
      worker.postMessage({ kind: "chunk", chunk: piece.subarray(0, length) } satisfies WorkerRequest, [piece.buffer as ArrayBuffer]);
      inFlight += 1;
    } else {
      local.write(piece.subarray(0, length));
      progress(length);
    }
  };
  try {
    let piece = new Uint8Array(PIECE_BYTES);
    let filled = 0;
    /** Sends the piece up to its last `>` and starts the next one with the rest. */
    const send = async () => {
      const cut = piece.lastIndexOf(GT, filled - 1) + 1 || filled;
      const next = new Uint8Array(PIECE_BYTES);
      next.set(piece.subarray(cut, filled));
      await parse(piece, cut);
      piece = next;
      filled -= cut;
    };
    for await (const data of stream) {
      let bytes = data as Buffer;
      hash.update(bytes);
      while (bytes.length > 0 && failure === undefined) {
        const take = Math.min(bytes.length, PIECE_BYTES - filled);
        piece.set(bytes.subarray(0, take), filled);
        filled += take;
        bytes = bytes.subarray(take);
        if (filled === PIECE_BYTES) await send();
        while (inFlight >= MAX_IN_FLIGHT && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      }
      if (failure !== undefined) break;
    }
    if (failure === undefined && filled > 0) await parse(piece, filled);
    if (handedOver) {
      if (failure === undefined) worker.postMessage({ kind: "end" } satisfies WorkerRequest);
      await finished;
    } else {
      local.end();
    }
    const bytes = handedOver ? applied : local.bytes;
    onProgress(bytes);
    return { sha256: hash.digest("hex"), bytes };
  } catch (error) {
    throw readFailure(error);
  } finally {
    worker.removeAllListeners("exit");
    await worker.terminate();
  }
}
