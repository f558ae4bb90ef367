import type { MiddlewareHandler } from "hono";
import { PayloadTooLargeError } from "../../errors.js";
import { inspectableJson } from "./json-body.js";
import { refuse } from "./refuse.js";

export interface MetadataLimitOptions {
  /** Largest `metadata` object accepted, in bytes of its JSON. */
  maxBytes: number;
  /** The setting that raises the limit, named in the 413 (default MAX_METADATA_BYTES). */
  variable?: string;
}

/**
 * Refuses a JSON body whose top-level `metadata` (of a thread, an assistant or a run) is larger
 * than the limit, with 413 ERR_PAYLOAD_TOO_LARGE: metadata is stored with every thread and
 * returned by every search, so it stays small. Mount it behind {@link jsonBodyLimit}, which reads
 * and parses the body once.
 *
 * @example
 * ```ts
 * app.use("/threads/*", jsonBodyLimit({ maxBytes }), metadataLimit({ maxBytes: config.limits.metadataBytes }));
 * ```
 */
export function metadataLimit(options: MetadataLimitOptions): MiddlewareHandler {
  const { maxBytes } = options;
  const variable = options.variable ?? "MAX_METADATA_BYTES";
  return async (context, next) => {
    const body = inspectableJson(context, "metadataLimit");
    if (body !== null && typeof body === "object" && "metadata" in body) {
      const metadata = body.metadata;
      if (metadata !== undefined && Buffer.byteLength(JSON.stringify(metadata)) > maxBytes) {
        return refuse(context, new PayloadTooLargeError("metadata object", maxBytes, variable));
      }
    }
    await next();
  };
}
