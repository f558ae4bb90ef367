/**
 * The parse worker: scans the export's bytes and walks its elements on a second core, handing
 * finished batches back to the thread that aggregates them. Started by {@link readExportInWorker};
 * it does nothing unless started as a worker. It says when it is ready, then takes over the
 * parse from wherever the other thread stood.
 */
import { parentPort } from "node:worker_threads";
import { ExportParser, readFailure } from "./reader.js";
import type { Batch } from "./batch.js";
import type { WorkerReply, WorkerRequest } from "./worker-reader.js";

const port = parentPort;
if (port) {
  const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
  const parser = new ExportParser((batch: Batch) => post({ kind: "batch", batch }, [batch.numbers.buffer as ArrayBuffer]), undefined, true);
  let failed = false;
  port.on("message", (request: WorkerRequest) => {
    if (failed) return;
    try {
      if (request.kind === "chunk") {
        parser.write(request.chunk);
        post({ kind: "chunk", bytes: request.chunk.byteLength });
      } else if (request.kind === "resume") {
        parser.resume(request.position);
      } else {
        parser.end();
        post({ kind: "done", work: parser.work });
      }
    } catch (error) {
      failed = true;
      const failure = readFailure(error);
      post({ kind: "error", code: failure.code, message: failure.message, line: failure.line, column: failure.column });
    }
  });
  post({ kind: "ready" });
}
