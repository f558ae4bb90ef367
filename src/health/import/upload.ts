import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ImportError, PayloadTooLargeError } from "../../errors.js";

/** Where uploads are spooled by default: one directory per upload under `<tmpdir>/wellness-uploads`. */
export function defaultUploadRoot(): string {
  return join(tmpdir(), "wellness-uploads");
}

/** What the first bytes of an upload say it is. */
export type UploadKind = "zip" | "xml";

/** Whitespace (or a BOM) an XML document may start with before its first `<`; past this, it is not an export. */
const MAX_LEADING_WHITESPACE = 64 * 1024;

/**
 * Tells a zip (`PK\x03\x04`) or an XML document (`<` after an optional UTF-8 BOM and whitespace)
 * from anything else by its first bytes. `undefined` while the bytes seen cannot decide yet.
 */
export function sniffUpload(head: Uint8Array, ended: boolean): UploadKind | "other" | undefined {
  if (head.length >= 1 && head[0] === 0x50) {
    if (head.length < 4) return ended ? "other" : undefined;
    return head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04 ? "zip" : "other";
  }
  let at = 0;
  if (head[0] === 0xef) {
    if (head.length < 3) return ended ? "other" : undefined;
    if (head[1] !== 0xbb || head[2] !== 0xbf) return "other";
    at = 3;
  }
  for (; at < head.length && at < MAX_LEADING_WHITESPACE; at++) {
    const byte = head[at];
    if (byte === 0x3c) return "xml";
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return "other";
  }
  return ended || at >= MAX_LEADING_WHITESPACE ? "other" : undefined;
}

export interface ReceiveUploadOptions {
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** The declared size (Content-Length), when the client sent one: refused up front if too large. */
  declaredBytes?: number;
  /** Parent of the per-upload directory (default {@link defaultUploadRoot}). */
  root?: string;
  /** The setting that raises the limit, named in the 413 (default MAX_UPLOAD_BYTES). */
  variable?: string;
}

/** An upload spooled to disk; `remove()` deletes its directory, on every path. */
export interface ReceivedUpload {
  path: string;
  kind: UploadKind;
  bytes: number;
  remove(): Promise<void>;
}

/**
 * Spools an uploaded export (a zip needs random access) to a file of its own directory,
 * `<root>/<pid>-<random>/upload`, after checking what it is and how large:
 *
 * - a declared size over the limit is refused (413 ERR_PAYLOAD_TOO_LARGE) before a byte is read;
 * - the first bytes must be a zip or XML (400 ERR_IMPORT_NOT_AN_EXPORT) before anything is
 *   written to disk;
 * - the size is counted while streaming, and the upload stops as soon as it passes the limit.
 *
 * Any failure removes the directory; the pid in its name lets {@link removeStaleUploads} clear
 * what a killed process left.
 *
 * @example
 * ```ts
 * const upload = await receiveUpload(request.body, { maxBytes: config.limits.uploadBytes });
 * try { await importExport({ ...options, path: upload.path }); } finally { await upload.remove(); }
 * ```
 */
export async function receiveUpload(body: ReadableStream<Uint8Array>, options: ReceiveUploadOptions): Promise<ReceivedUpload> {
  const { maxBytes } = options;
  const tooLarge = () => new PayloadTooLargeError("upload", maxBytes, options.variable ?? "MAX_UPLOAD_BYTES");
  if (options.declaredBytes !== undefined && options.declaredBytes > maxBytes) throw tooLarge();
  const reader = body.getReader();
  let finished = false;
  try {
    const head: Uint8Array[] = [];
    let total = 0;
    let kind: UploadKind | "other" | undefined;
    while (kind === undefined) {
      const { done, value } = await reader.read();
      if (done) finished = true;
      else {
        head.push(value);
        total += value.byteLength;
        if (total > maxBytes) throw tooLarge();
      }
      kind = sniffUpload(Buffer.concat(head, total), finished);
    }
    if (kind === "other") {
      throw new ImportError(
        "ERR_IMPORT_NOT_AN_EXPORT",
        "The upload is neither a zip nor an XML file. Send the export.zip (or the export.xml inside it) from the Health app as the request body.",
      );
    }
    const dir = join(options.root ?? defaultUploadRoot(), `${process.pid}-${randomBytes(6).toString("hex")}`);
    const remove = () => rm(dir, { recursive: true, force: true });
    const path = join(dir, "upload");
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await pipeline(async function* () {
        yield* head;
        while (!finished) {
          const { done, value } = await reader.read();
          if (done) {
            finished = true;
            break;
          }
          total += value.byteLength;
          if (total > maxBytes) throw tooLarge();
          yield value;
        }
      }, createWriteStream(path, { mode: 0o600 }));
    } catch (error) {
      await remove();
      throw error;
    }
    return { path, kind, bytes: total, remove };
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}
