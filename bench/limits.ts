/**
 * Size-limit benchmark: oversized JSON bodies and uploads sent over real HTTP to the guards and
 * the upload route running in a server process of their own, with the bytes the server read
 * before refusing, the bytes the client got to send before the refusal reached it, and the
 * server's peak RSS. Writes its table to docs/benchmarks.md.
 *
 *   npm run bench:limits
 */
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS } from "../src/config.js";
import { RedisServerProcess } from "../src/index.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";

const MB = 1e6;
const MiB = 2 ** 20;
const STREAMED_UPLOAD_LIMIT = 256 * MiB;

interface Sent {
  status: number;
  sentBytes: number;
}

/**
 * POSTs `total` bytes (`first`, then filler) without holding them in memory, stopping as soon as
 * the response arrives; with `declare`, a Content-Length, else chunked.
 */
function send(port: number, path: string, contentType: string, first: string, total: number, declare: boolean): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers: { "content-type": contentType, ...(declare ? { "content-length": String(total) } : {}) } });
    req.on("response", (response) => {
      answered = true;
      response.resume();
      response.on("end", () => {
        req.destroy();
        resolve({ status: response.statusCode ?? 0, sentBytes });
      });
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sentBytes < total) {
        const piece = sentBytes === 0 ? Buffer.from(first) : chunk.subarray(0, Math.min(chunk.length, total - sentBytes));
        sentBytes += piece.length;
        if (!req.write(piece)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function stats(port: number): Promise<{ bytesRead: number; maxRssBytes: number; rssBytes: number }> {
  return (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { bytesRead: number; maxRssBytes: number; rssBytes: number };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "wellness-bench-limits-"));
  const redis = await RedisServerProcess.start({ port: 20_000 + Math.floor(Math.random() * 20_000), dir });
  const child = spawn(process.execPath, ["--import", "tsx", "bench/limits-server.ts", redis.url, join(dir, "uploads"), String(STREAMED_UPLOAD_LIMIT)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (data: Buffer) => {
        const match = /listening (\d+)/u.exec(data.toString());
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", () => reject(new Error("the bench server stopped")));
    });
    const baseline = await stats(port);
    const rows: string[] = [];
    const row = async (label: string, run: () => Promise<Sent[]>) => {
      const sent = await run();
      const after = await stats(port);
      rows.push(
        `| ${label} | ${[...new Set(sent.map((one) => one.status))].join(", ")} | ${(after.bytesRead / MB).toFixed(2)} | ${(Math.max(...sent.map((one) => one.sentBytes)) / MB).toFixed(1)} | ${(after.maxRssBytes / MB).toFixed(0)} |`,
      );
    };
    const json = '{"metadata": {"note": "';
    await row("50 MB JSON to /threads, Content-Length", async () => [await send(port, "/threads", "application/json", json, 50 * MB, true)]);
    await row("50 MB JSON to /threads, chunked", async () => [await send(port, "/threads", "application/json", json, 50 * MB, false)]);
    await row("4 x 50 MB JSON at once, chunked", () => Promise.all(Array.from({ length: 4 }, () => send(port, "/threads", "application/json", json, 50 * MB, false))));
    await row("5 GiB upload to /api/import, Content-Length (limit 4 GiB)", async () => [await send(port, "/api/import", "application/zip", "PK\u0003\u0004", 5 * 2 ** 30, true)]);
    await row("2 GiB upload that is not an export (a PDF), chunked", async () => [await send(port, "/api/import", "application/octet-stream", "%PDF-1.7\n", 2 * 2 ** 30, false)]);
    await row(`1 GiB XML upload, chunked, limit ${STREAMED_UPLOAD_LIMIT / MiB} MiB`, async () => [await send(port, "/api/import", "application/xml", "<HealthData>", 2 ** 30, false)]);
    writeBenchmarkSection(
      "## Size limits (`npm run bench:limits`)",
      `${machineDescription()}.

Oversized requests sent over loopback HTTP to the size guards (\`jsonBodyLimit\`, \`metadataLimit\`, \`messageLimit\` in front of a route that reads the JSON) and to \`POST /api/import\`, served by a process of their own so its RSS is the server's alone (${(baseline.rssBytes / MB).toFixed(0)} MB after start). "read by the server" counts the body bytes the routes pulled before answering; "sent by the client" is what the client had written when the answer reached it (socket buffers included). Default limits: JSON body ${DEFAULT_LIMITS.jsonBodyBytes / MiB} MiB, metadata ${DEFAULT_LIMITS.metadataBytes / 1024} KiB, message ${DEFAULT_LIMITS.messageChars} characters, upload ${DEFAULT_LIMITS.uploadBytes / 2 ** 30} GiB; the streamed-upload row uses ${STREAMED_UPLOAD_LIMIT / MiB} MiB so it does not write gigabytes to disk. Peak RSS is the server's maximum so far, so it only grows down the table. Before these limits, one 50 MB JSON body took 1.1 GB of RSS and four took 1.78 GB, and an upload was spooled whole before its first bytes were looked at.

| request | status | MB read by the server, per request | MB sent by the client | server peak RSS MB |
|---|---|---|---|---|
${rows.join("\n")}`,
    );
    process.stdout.write(`${rows.join("\n")}\n`);
  } finally {
    child.kill();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
