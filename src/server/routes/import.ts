import type { EventSink } from "../../events/types.js";
import { Hono, type Context } from "hono";
import { DEFAULT_LIMITS } from "../../config.js";
import { ValidationError } from "../../errors.js";
import { importExport } from "../../health/import/importer.js";
import { LearningQueue } from "../../learning/queue.js";
import { receiveUpload } from "../../health/import/upload.js";
import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";

export interface ImportRouteDependencies {
  client: RedisClient;
  keys: KeySchema;
  indexTtlSeconds: number;
  userOf: (context: Context) => string;
  /** Largest upload accepted, in bytes (MAX_UPLOAD_BYTES; default 4 GiB). */
  maxUploadBytes?: number;
  /** Parent of the per-upload temporary directories (default `<tmpdir>/wellness-uploads`). */
  uploadRoot?: string;
  /** Publishes import.started / progress / finished / failed for the caller. */
  events?: EventSink;
}

/**
 * POST /api/import: the request body is the export.zip (or export.xml) itself. A Content-Length
 * over the limit is refused before reading (413); the first bytes must be a zip or XML before
 * anything is written (400); the body is spooled to a temporary file of its own directory (a zip
 * needs random access), counted against the limit while it streams, imported for the caller, and
 * the directory removed whatever happens; the summary comes back. The learning stream is told, so
 * the learning worker checks the outcomes of the caller's advice.
 * `curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/zip" --data-binary @export.zip http://127.0.0.1:8000/api/import`
 */
export function importRoutes({ client, keys, indexTtlSeconds, userOf, maxUploadBytes, uploadRoot, events }: ImportRouteDependencies): Hono {
  return new Hono().post("/", async (context) => {
    const body = context.req.raw.body;
    if (!body) throw new ValidationError("Send the export.zip or export.xml as the request body (curl --data-binary @export.zip).");
    if (/^multipart\/form-data/iu.test(context.req.header("content-type") ?? "")) {
      throw new ValidationError(
        "The export came as a form upload (curl -F); send the file itself as the request body instead: curl --data-binary @export.zip -H 'Content-Type: application/zip' .../api/import",
      );
    }
    const userId = userOf(context);
    const declared = context.req.header("content-length");
    const upload = await receiveUpload(body, {
      maxBytes: maxUploadBytes ?? DEFAULT_LIMITS.uploadBytes,
      ...(declared !== undefined && /^\d+$/u.test(declared) ? { declaredBytes: Number(declared) } : {}),
      ...(uploadRoot !== undefined ? { root: uploadRoot } : {}),
    });
    try {
      const summary = await importExport({ client, keys, userId, path: upload.path, indexTtlSeconds, ...(events ? { events: { sink: events } } : {}) });
      await new LearningQueue(client, keys).announceImport(userId).catch(() => undefined);
      return context.json({ ...summary, file: "upload" });
    } finally {
      await upload.remove();
    }
  });
}
