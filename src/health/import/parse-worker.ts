/**
 * The parse worker: parses segments of the export on a second core, from the assumed start (see
 * segment.ts), reading them from memory shared with the reader, and hands each one's batches back
 * transferred rather than copied. A segment the reader took back before this thread claimed it is
 * only acknowledged. Started by {@link readExportInWorker}; it does nothing unless started as a worker.
 */
import { parentPort } from "node:worker_threads";
import { NumbersPool } from "./batch.js";
import { parseSegment } from "./segment.js";
import { BY_WORKER, claimOf, UNCLAIMED, type SharedSegments, type WorkerReply, type WorkerRequest } from "./worker-protocol.js";

const port = parentPort;
if (port) {
  let shared: SharedSegments | undefined;
  let claims: Int32Array | undefined;
  const pool = new NumbersPool();
  port.on("message", (request: WorkerRequest) => {
    if (request.kind === "memory") {
      shared = request.shared;
      claims = new Int32Array(shared.claims);
      return;
    }
    const { seq, slot, length, final, spare } = request;
    for (const numbers of spare) pool.give(numbers);
    if (!shared || !claims || Atomics.compareExchange(claims, slot, claimOf(seq, UNCLAIMED), claimOf(seq, BY_WORKER)) !== claimOf(seq, UNCLAIMED)) {
      port.postMessage({ kind: "taken", seq } satisfies WorkerReply);
      return;
    }
    const result = parseSegment(new Uint8Array(shared.memory, slot * shared.slotBytes, length), final, pool);
    port.postMessage({ kind: "segment", seq, result } satisfies WorkerReply, result.batches.map((batch) => batch.numbers.buffer as ArrayBuffer));
  });
  port.postMessage({ kind: "ready" } satisfies WorkerReply);
}
