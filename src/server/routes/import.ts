import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Hono, type Context } from "hono";
import { ValidationError } from "../../errors.js";
import { importExport } from "../../health/import/importer.js";
import { LearningQueue } from "../../learning/queue.js";
import type { RedisClient } from "../../redis/client.js";
import type { KeySchema } from "../../redis/keys.js";

export interface ImportRouteDependencies {
  client: RedisClient;
  keys: KeySchema;
  indexTtlSeconds: number;
  userOf: (context: Context) => string;
}

/**
 * POST /api/import: the request body is the export.zip (or export.xml) itself, streamed to a
 * temporary file (a zip needs random access) and imported for the caller; the summary comes back.
 * The learning stream is told, so the learning worker checks the outcomes of the caller's advice.
 * `curl -H "Authorization: Bearer $TOKEN" --data-binary @export.zip http://127.0.0.1:8000/api/import`
 */
export function importRoutes({ client, keys, indexTtlSeconds, userOf }: ImportRouteDependencies): Hono {
  return new Hono().post("/", async (context) => {
    const body = context.req.raw.body;
    if (!body) throw new ValidationError("Send the export.zip or export.xml as the request body (curl --data-binary @export.zip).");
    if (/^multipart\/form-data/iu.test(context.req.header("content-type") ?? "")) {
      throw new ValidationError(
        "The export came as a form upload (curl -F); send the file itself as the request body instead: curl --data-binary @export.zip -H 'Content-Type: application/zip' .../api/import",
      );
    }
    const userId = userOf(context);
    const dir = await mkdtemp(join(tmpdir(), "wellness-upload-"));
    try {
      const path = join(dir, "upload");
      await pipeline(Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), createWriteStream(path));
      const summary = await importExport({ client, keys, userId, path, indexTtlSeconds });
      await new LearningQueue(client, keys).announceImport(userId).catch(() => undefined);
      return context.json({ ...summary, file: "upload" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
