/**
 * The parse worker: parses segments of the export on a second core, from the assumed start (see
 * segment.ts), and hands each one's batches back with its bytes, all transferred rather than
 * copied. Started by {@link readExportInWorker}; it does nothing unless started as a worker.
 */
import { parentPort } from "node:worker_threads";
import { parseSegment } from "./segment.js";
import type { WorkerReply, WorkerRequest } from "./worker-reader.js";

const port = parentPort;
if (port) {
  port.on("message", (request: WorkerRequest) => {
    const result = parseSegment(request.bytes, request.final);
    const transfer = [request.bytes.buffer as ArrayBuffer, ...result.batches.map((batch) => batch.numbers.buffer as ArrayBuffer)];
    port.postMessage({ kind: "segment", seq: request.seq, bytes: request.bytes, result } satisfies WorkerReply, transfer);
  });
  port.postMessage({ kind: "ready" } satisfies WorkerReply);
}
