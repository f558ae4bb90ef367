import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { ImportError, type ImportErrorCode } from "../../errors.js";
import { BatchReader, type Batch, type ExportSink } from "./batch.js";
import { readFailure, type ReadResult } from "./reader.js";

/** Messages to the parse worker. */
export type WorkerRequest = { kind: "chunk"; chunk: Uint8Array } | { kind: "end" };

/** Messages from the parse worker, in order: a chunk's batches come before its acknowledgement. */
export type WorkerReply =
  | { kind: "batch"; batch: Batch }
  | { kind: "chunk"; bytes: number }
  | { kind: "done"; result: ReadResult; work: number }
  | { kind: "error"; code: ImportErrorCode; message: string; line: number | undefined; column: number | undefined };

/** Input handed over in pieces of about this size (fewer, larger messages). */
const PIECE_BYTES = 1 << 20;
/** Pieces the worker may hold before the reader waits: bounds memory whatever the file size. */
const MAX_IN_FLIGHT = 4;

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
 * thread reads the file and aggregates, the worker parses, and they trade 1 MB input pieces and
 * batches of decoded records (transferred, not copied). At most a few pieces are in flight, so
 * memory stays flat; the aggregator sees the records in document order, exactly as in one thread.
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
): Promise<ReadResult> {
  const worker = startWorker();
  const reader = new BatchReader(sink);
  let inFlight = 0;
  let applied = 0;
  let reported = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let settle: { resolve: (result: ReadResult) => void; reject: (error: unknown) => void } | undefined;
  const finished = new Promise<ReadResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  finished.catch(() => undefined);
  const fail = (error: unknown) => {
    if (failure !== undefined) return;
    failure = error;
    settle?.reject(error);
    wake?.();
  };
  worker.on("message", (reply: WorkerReply) => {
    if (failure !== undefined) return;
    try {
      if (reply.kind === "batch") {
        reader.apply(reply.batch);
      } else if (reply.kind === "chunk") {
        inFlight -= 1;
        applied += reply.bytes;
        if (applied - reported >= 4 << 20) {
          reported = applied;
          onProgress(applied);
        }
        wake?.();
      } else if (reply.kind === "done") {
        settle?.resolve(reply.result);
      } else {
        fail(new ImportError(reply.code, reply.message, { line: reply.line, column: reply.column }));
      }
    } catch (error) {
      fail(error);
    }
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the parse worker stopped (exit code ${code})`)));
  try {
    let piece = new Uint8Array(PIECE_BYTES);
    let filled = 0;
    const send = () => {
      const chunk = piece.subarray(0, filled);
      worker.postMessage({ kind: "chunk", chunk } satisfies WorkerRequest, [piece.buffer]);
      inFlight += 1;
      piece = new Uint8Array(PIECE_BYTES);
      filled = 0;
    };
    for await (const data of stream) {
      let bytes = data as Buffer;
      while (bytes.length > 0 && failure === undefined) {
        const take = Math.min(bytes.length, PIECE_BYTES - filled);
        piece.set(bytes.subarray(0, take), filled);
        filled += take;
        bytes = bytes.subarray(take);
        if (filled === PIECE_BYTES) send();
        while (inFlight >= MAX_IN_FLIGHT && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      }
      if (failure !== undefined) break;
    }
    if (failure === undefined) {
      if (filled > 0) send();
      worker.postMessage({ kind: "end" } satisfies WorkerRequest);
    }
    const result = await finished;
    onProgress(result.bytes);
    return result;
  } catch (error) {
    throw readFailure(error);
  } finally {
    worker.removeAllListeners("exit");
    await worker.terminate();
  }
}
