import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeStaleUploads, sniffUpload } from "../../src/health/index.js";
import { silentLogger } from "../../src/logger.js";
import { errorResponse } from "../../src/server/errors.js";
import { importRoutes } from "../../src/server/routes/import.js";
import { twoWeeks } from "../support/health-fixture.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

interface ErrorReply {
  error: { code: string; message: string };
}

/** An upload body: `first`, then `total` bytes in 64 KiB chunks, counting what was pulled. */
function uploadBody(first: string, total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        const chunk = pulled === 0 ? Buffer.from(first) : new Uint8Array(Math.min(64 * 1024, total - pulled)).fill(0x20);
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

describe("POST /api/import limits, sniffing and temporary files", () => {
  let test: TestConnection;
  let root: string;
  let app: Hono;
  const limit = 1024 * 1024;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "import-upload" });
    root = mkdtempSync(join(tmpdir(), "wellness-upload-test-"));
    app = new Hono()
      .route("/api/import", importRoutes({ client: test.client, keys: test.keys, indexTtlSeconds: 600, userOf: () => "uploader", maxUploadBytes: limit, uploadRoot: root }))
      .onError((error, context) => errorResponse(error, context, silentLogger));
  });

  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    await test.dispose();
  });

  const post = (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    app.request("/api/import", { method: "POST", headers: { "content-type": "application/xml", ...headers }, body, duplex: "half" });

  it("imports an export and leaves no temporary file behind", async () => {
    const response = await post(twoWeeks());
    expect(response.status).toBe(200);
    expect(((await response.json()) as { records: number }).records).toBeGreaterThan(0);
    expect(readdirSync(root)).toEqual([]);
  });

  it("refuses a Content-Length over MAX_UPLOAD_BYTES with 413 before reading a byte", async () => {
    const body = uploadBody("<HealthData>", 2 * limit);
    const response = await post(body.stream, { "content-length": String(2 * limit) });
    expect(response.status).toBe(413);
    const reply = (await response.json()) as ErrorReply;
    expect(reply.error.code).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(reply.error.message).toMatch(/upload is larger than the limit of 1 MiB.*MAX_UPLOAD_BYTES/);
    expect(body.pulled()).toBe(0);
    expect(readdirSync(root)).toEqual([]);
  });

  it("stops a streamed upload as soon as it passes the limit and removes what it wrote", async () => {
    const body = uploadBody("<HealthData>", 64 * limit);
    const response = await post(body.stream);
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorReply).error.code).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(body.pulled()).toBeLessThanOrEqual(limit + 64 * 1024);
    expect(readdirSync(root)).toEqual([]);
  });

  it("refuses what is neither zip nor XML from its first bytes, before writing anything", async () => {
    for (const first of ["%PDF-1.7\n", "hello=world", "PK\x05\x06", "\uFEFF   {\"json\": true}"]) {
      const body = uploadBody(first, 32 * limit);
      const response = await post(body.stream);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorReply).error.code).toBe("ERR_IMPORT_NOT_AN_EXPORT");
      expect(body.pulled()).toBeLessThanOrEqual(64 * 1024 + first.length);
      expect(readdirSync(root)).toEqual([]);
    }
  });

  it("removes the temporary file when the import itself fails", async () => {
    const response = await post("<?xml version=\"1.0\"?>\n<HealthData>\n <Record type=\"x\" value=\"&bogus;\"/>\n</HealthData>\n");
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorReply).error.code).toBe("ERR_IMPORT_MALFORMED_XML");
    expect(readdirSync(root)).toEqual([]);
  });

  it("sniffs a zip, XML after a BOM and whitespace, and waits when the bytes cannot decide yet", () => {
    expect(sniffUpload(Buffer.from("PK\x03\x04rest"), false)).toBe("zip");
    expect(sniffUpload(Buffer.from("\uFEFF \n\t<?xml"), false)).toBe("xml");
    expect(sniffUpload(Buffer.from("PK"), false)).toBeUndefined();
    expect(sniffUpload(Buffer.from("PK"), true)).toBe("other");
    expect(sniffUpload(Buffer.from("   "), false)).toBeUndefined();
    expect(sniffUpload(Buffer.from(""), true)).toBe("other");
  });

  it("removes at start the upload directories of processes that died, and nothing else", async () => {
    const child = spawn(process.execPath, ["-e", ""]);
    const dead = child.pid as number;
    await new Promise((resolve) => child.once("exit", resolve));
    const stale = join(root, `${dead}-0a1b2c`);
    const mine = join(root, `${process.pid}-3d4e5f`);
    const unrelated = join(root, "keep-me");
    for (const dir of [stale, mine, unrelated]) {
      mkdirSync(dir);
      writeFileSync(join(dir, "upload"), "<HealthData>");
    }
    expect(await removeStaleUploads(root)).toEqual([stale]);
    expect(readdirSync(root).sort()).toEqual([`${process.pid}-3d4e5f`, "keep-me"].sort());
    rmSync(mine, { recursive: true });
    rmSync(unrelated, { recursive: true });
    expect(await removeStaleUploads(join(root, "missing"))).toEqual([]);
  });
});
