import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { ImportError } from "../../errors.js";

/** Reads the next bytes into a caller's buffer, like a file handle; 0 at the end. */
export interface ByteSource {
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
}

/** The export XML found in what the user gave us, as a stream of its bytes. */
export interface ExportSource {
  /** The file the user named. */
  path: string;
  /** The XML's name (inside the zip, or the file itself). */
  xmlName: string;
  /** Uncompressed size of the XML in bytes. */
  xmlBytes: number;
  /** Size of the file the user named. */
  fileBytes: number;
  stream: Readable;
  /**
   * For a bare XML file, the same bytes read straight into the reader's own buffers: no stream
   * buffers to allocate and copy. Use either this or {@link stream}, not both.
   */
  bytes?: ByteSource;
  /** Releases the file (and the zip) once reading is done or abandoned. */
  close(): void;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

async function firstBytes(path: string, count: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(count);
    const { bytesRead } = await handle.read(buffer, 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The export's main XML inside a zip: an .xml file directly in apple_health_export/ (or at the
 * top level), whose name follows the phone's language (export.xml, exportar.xml, ...), never
 * export_cda.xml. The largest such file wins.
 */
export function isExportXmlEntry(name: string): boolean {
  const parts = name.split("/").filter((part) => part !== "");
  const file = parts.at(-1)?.toLowerCase() ?? "";
  if (!file.endsWith(".xml") || file.endsWith("_cda.xml") || file.startsWith("._")) return false;
  if (parts.some((part) => part === "__MACOSX")) return false;
  return parts.length === 1 || (parts.length === 2 && parts[0]?.toLowerCase() === "apple_health_export");
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (error || !zip) reject(error ?? new Error("no zip"));
      else resolve(zip);
    });
  });
}

async function findEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    let best: yauzl.Entry | undefined;
    zip.on("entry", (entry: yauzl.Entry) => {
      if (isExportXmlEntry(entry.fileName) && (!best || entry.uncompressedSize > best.uncompressedSize)) best = entry;
      zip.readEntry();
    });
    zip.once("end", () => resolve(best));
    zip.once("error", reject);
    zip.readEntry();
  });
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) reject(error ?? new Error("no stream"));
      else resolve(stream);
    });
  });
}

/** Limits on the XML inside a zip, checked against the entry's sizes before any byte is inflated. */
export interface ZipLimits {
  /** The largest uncompressed export XML accepted. Default 64 GiB (a decade of Watch data is a few GB). */
  maxUncompressedBytes: number;
  /** The largest uncompressed / compressed ratio accepted. Default 100 (exports compress 20-30x). */
  maxCompressionRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxUncompressedBytes: 64 * 2 ** 30, maxCompressionRatio: 100 };

/** Refuses an entry whose declared sizes say it is a zip bomb or beyond reason. */
function checkEntrySizes(path: string, entry: yauzl.Entry, limits: ZipLimits): void {
  if (entry.uncompressedSize > limits.maxUncompressedBytes) {
    throw new ImportError(
      "ERR_IMPORT_TOO_LARGE",
      `${basename(path)} holds ${entry.fileName} of ${(entry.uncompressedSize / 2 ** 30).toFixed(1)} GiB uncompressed, over the limit of ${(limits.maxUncompressedBytes / 2 ** 30).toFixed(0)} GiB.`,
    );
  }
  const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
  if (ratio > limits.maxCompressionRatio) {
    throw new ImportError(
      "ERR_IMPORT_TOO_LARGE",
      `${basename(path)} is not a Health export: ${entry.fileName} would inflate ${Math.round(ratio)} times (exports compress 20-30 times; the limit is ${limits.maxCompressionRatio}).`,
    );
  }
}

/**
 * Opens an Apple Health export.zip (read in place, nothing unpacked to disk) or a bare export
 * XML, and returns the XML as a byte stream.
 *
 * @throws {ImportError} ERR_IMPORT_NOT_FOUND, ERR_IMPORT_NOT_AN_EXPORT, ERR_IMPORT_BAD_ZIP,
 *   ERR_IMPORT_NO_EXPORT_XML or ERR_IMPORT_TOO_LARGE (over a zip limit), each saying what to do.
 */
export async function openExport(path: string, zipLimits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ExportSource> {
  let fileBytes: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error("not a file");
    fileBytes = info.size;
  } catch (error) {
    throw new ImportError("ERR_IMPORT_NOT_FOUND", `Cannot read ${path}: give the path of export.zip or export.xml from the Health app.`, {
      cause: error,
    });
  }
  const head = await firstBytes(path, 512);
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) {
    let zip: yauzl.ZipFile;
    try {
      zip = await openZip(path);
    } catch (error) {
      throw new ImportError(
        "ERR_IMPORT_BAD_ZIP",
        `${basename(path)} is a damaged or truncated zip (${(error as Error).message}). Export it again from the Health app (profile picture > Export All Health Data).`,
        { cause: error },
      );
    }
    try {
      const entry = await findEntry(zip);
      if (!entry) {
        throw new ImportError(
          "ERR_IMPORT_NO_EXPORT_XML",
          `${basename(path)} holds no Apple Health export XML (expected apple_health_export/export.xml). Is it the zip the Health app made?`,
        );
      }
      checkEntrySizes(path, entry, zipLimits);
      // yauzl checks the inflated bytes against the declared size as they come, and fails the
      // stream at the first byte past it, so a zip that lies about its size stops there too.
      const stream = await entryStream(zip, entry);
      return {
        path,
        xmlName: entry.fileName,
        xmlBytes: entry.uncompressedSize,
        fileBytes,
        stream,
        close: () => {
          stream.destroy();
          zip.close();
        },
      };
    } catch (error) {
      zip.close();
      if (error instanceof ImportError) throw error;
      throw new ImportError("ERR_IMPORT_BAD_ZIP", `${basename(path)} is a damaged or truncated zip (${(error as Error).message}). Export it again from the Health app.`, {
        cause: error,
      });
    }
  }
  const text = head.toString("utf8").replace(/^\uFEFF/u, "").trimStart();
  if (!text.startsWith("<")) {
    throw new ImportError(
      "ERR_IMPORT_NOT_AN_EXPORT",
      `${basename(path)} is neither a zip nor XML. Give the export.zip from the Health app, or the export.xml inside it.`,
    );
  }
  // The scanner reads bytes, never strings, so larger reads cost no memory: fewer, bigger chunks.
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  let handle: Promise<FileHandle> | undefined;
  const bytes: ByteSource = {
    read: async (into, offset, length) => {
      handle ??= open(path, "r");
      return (await (await handle).read(into, offset, length, null)).bytesRead;
    },
  };
  const close = () => {
    stream.destroy();
    void handle?.then((opened) => opened.close()).catch(() => undefined);
  };
  return { path, xmlName: basename(path), xmlBytes: fileBytes, fileBytes, stream, bytes, close };
}
