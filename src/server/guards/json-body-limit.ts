import type { MiddlewareHandler } from "hono";
import { PayloadTooLargeError, ValidationError } from "../../errors.js";
import { isJsonContentType, rememberBody } from "./json-body.js";
import { refuse } from "./refuse.js";

export interface JsonBodyLimitOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** The setting that raises the limit, named in the 413 (default MAX_JSON_BODY_BYTES). */
  variable?: string;
}

/** Reads a body stream to its end, or stops (undefined) as soon as it passes `maxBytes`. */
async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** The request again, its body now the bytes already read, so handlers after the guard read it as usual. */
function withBody(request: Request, bytes: Uint8Array): Request {
  const headers = new Headers(request.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(bytes.byteLength));
  return new Request(request.url, {
    method: request.method,
    headers,
    signal: request.signal,
    ...(bytes.byteLength > 0 ? { body: bytes } : {}),
  });
}

/**
 * Bounds the memory one request body can take. A Content-Length above the limit is refused (413
 * ERR_PAYLOAD_TOO_LARGE) before a byte is read; a body without one (chunked) is counted while it
 * is read and refused as soon as it passes the limit, so at most the limit plus one network chunk
 * is ever held. A JSON body that does not parse is a 400 ERR_VALIDATION, never a 500 further in.
 *
 * It may sit in front of routes it does not own (LangGraph's): the body it read is handed on as a
 * new `c.req.raw` holding the same bytes, and its parsed JSON is kept for the guards behind it
 * ({@link metadataLimit}, {@link messageLimit}).
 *
 * @example
 * ```ts
 * app.use("/threads/*", jsonBodyLimit({ maxBytes: config.limits.jsonBodyBytes }));
 * ```
 */
export function jsonBodyLimit(options: JsonBodyLimitOptions): MiddlewareHandler {
  const { maxBytes } = options;
  const variable = options.variable ?? "MAX_JSON_BODY_BYTES";
  const tooLarge = () => new PayloadTooLargeError("request body", maxBytes, variable);
  return async (context, next) => {
    const request = context.req.raw;
    if (request.body === null) return next();
    const declared = request.headers.get("content-length");
    if (declared !== null && Number(declared) > maxBytes) return refuse(context, tooLarge());
    const bytes = await readBounded(request.body, maxBytes);
    if (!bytes) return refuse(context, tooLarge());
    const replaced = withBody(request, bytes);
    if (isJsonContentType(request.headers.get("content-type") ?? undefined) && bytes.byteLength > 0) {
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
      } catch (error) {
        return refuse(context, new ValidationError(`The request body is not valid JSON (${(error as Error).message}); send a JSON document.`, { cause: error }));
      }
      rememberBody(replaced, { kind: "json", value });
    } else {
      rememberBody(replaced, { kind: "other" });
    }
    context.req.raw = replaced;
    return next();
  };
}
