import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonBodyLimit, messageLimit, metadataLimit, originGuard } from "../../src/server/guards/index.js";
import { listen, type ListeningApp } from "../support/http.js";

interface ErrorReply {
  error: { code: string; message: string };
}

/** A request body that hands out `total` bytes of JSON-ish text in chunks, counting what was pulled. */
function countingBody(total: number, chunk = 16 * 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        const size = Math.min(chunk, total - pulled);
        pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

/** An app whose routes read the body the way LangGraph's and ours do, behind the body guards. */
function guardedApp() {
  return new Hono()
    .use("*", jsonBodyLimit({ maxBytes: 64 * 1024 }), metadataLimit({ maxBytes: 1024 }), messageLimit({ maxChars: 100 }))
    .post("/json", async (context) => context.json({ got: await context.req.json<unknown>() }))
    .post("/raw", async (context) => {
      const buffer: ArrayBuffer = await context.req.raw.arrayBuffer();
      return context.json({ bytes: buffer.byteLength });
    })
    .post("/stream", async (context) => {
      const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = context.req.raw.body?.getReader();
      let bytes = 0;
      for (;;) {
        const next = await reader?.read();
        if (!next || next.done) break;
        bytes += next.value.byteLength;
      }
      return context.json({ bytes });
    })
    .get("/json", (context) => context.json({ ok: true }));
}

describe("jsonBodyLimit", () => {
  const app = guardedApp();

  it("hands the body on, so a handler behind it reads the JSON, the bytes or the stream as usual", async () => {
    const body = JSON.stringify({ hello: "world", list: [1, 2, 3] });
    const json = await app.request("/json", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({ got: { hello: "world", list: [1, 2, 3] } });
    const raw = await app.request("/raw", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(await raw.json()).toEqual({ bytes: Buffer.byteLength(body) });
    const stream = await app.request("/stream", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(await stream.json()).toEqual({ bytes: Buffer.byteLength(body) });
  });

  it("refuses a Content-Length over the limit with 413 before reading a byte", async () => {
    const { stream, pulled } = countingBody(10 * 1024 * 1024);
    const response = await app.request("/json", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(10 * 1024 * 1024) },
      body: stream,
      duplex: "half",
    });
    expect(response.status).toBe(413);
    const reply = (await response.json()) as ErrorReply;
    expect(reply.error.code).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(reply.error.message).toMatch(/64 KiB.*MAX_JSON_BODY_BYTES/);
    expect(pulled()).toBe(0);
  });

  it("counts a body without Content-Length while reading it and stops just past the limit", async () => {
    const { stream, pulled } = countingBody(10 * 1024 * 1024);
    const response = await app.request("/json", { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" });
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorReply).error.code).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(pulled()).toBeGreaterThan(64 * 1024);
    expect(pulled()).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
  });

  it("answers malformed JSON with 400 ERR_VALIDATION, not 500", async () => {
    const response = await app.request("/json", { method: "POST", headers: { "content-type": "application/json" }, body: '{"unterminated": ' });
    expect(response.status).toBe(400);
    const reply = (await response.json()) as ErrorReply;
    expect(reply.error.code).toBe("ERR_VALIDATION");
    expect(reply.error.message).toMatch(/not valid JSON/);
  });

  it("lets requests without a body through untouched", async () => {
    const response = await app.request("/json");
    expect(await response.json()).toEqual({ ok: true });
  });

  describe("over a real HTTP connection", () => {
    let server: ListeningApp;

    beforeAll(async () => {
      server = await listen(guardedApp());
    });

    afterAll(async () => {
      await server.close();
    });

    it("re-supplies a chunked body to the handler, and refuses an oversized chunked one", async () => {
      const small = countingBody(4 * 1024, 1024);
      const ok = await fetch(`${server.url}/stream`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: small.stream, duplex: "half" });
      expect(await ok.json()).toEqual({ bytes: 4 * 1024 });
      const large = countingBody(8 * 1024 * 1024);
      const refused = await fetch(`${server.url}/raw`, { method: "POST", headers: { "content-type": "application/json" }, body: large.stream, duplex: "half" });
      expect(refused.status).toBe(413);
      expect(((await refused.json()) as ErrorReply).error.code).toBe("ERR_PAYLOAD_TOO_LARGE");
    });
  });
});

describe("metadataLimit and messageLimit", () => {
  const app = guardedApp();
  const post = (body: unknown) => app.request("/json", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("refuses metadata over its limit with 413 naming MAX_METADATA_BYTES, and passes small metadata", async () => {
    const refused = await post({ metadata: { note: "x".repeat(2_000) } });
    expect(refused.status).toBe(413);
    const reply = (await refused.json()) as ErrorReply;
    expect(reply.error.code).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(reply.error.message).toMatch(/metadata object.*1 KiB.*MAX_METADATA_BYTES/);
    expect((await post({ metadata: { graph_id: "stateful" } })).status).toBe(200);
  });

  it("refuses a LangGraph input message or an app message over the limit with 400 naming MAX_MESSAGE_CHARS", async () => {
    for (const body of [
      { input: { messages: [{ role: "user", content: "y".repeat(101) }] } },
      { input: { messages: [{ role: "user", content: [{ type: "text", text: "z".repeat(60) }, { type: "text", text: "z".repeat(60) }] }] } },
      { message: "m".repeat(101) },
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const reply = (await response.json()) as ErrorReply;
      expect(reply.error.code).toBe("ERR_VALIDATION");
      expect(reply.error.message).toMatch(/over the limit of 100.*MAX_MESSAGE_CHARS/);
    }
    expect((await post({ input: { messages: [{ role: "user", content: "How did I sleep?" }] } })).status).toBe(200);
    expect((await post({ message: "m".repeat(100) })).status).toBe(200);
  });

  it("says plainly when it is mounted without jsonBodyLimit in front", async () => {
    const bare = new Hono().use("*", metadataLimit({ maxBytes: 10 })).post("/", (context) => context.text("reached"));
    bare.onError((error, context) => context.text(error.message, 500));
    const response = await bare.request("/", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(await response.text()).toMatch(/metadataLimit needs jsonBodyLimit mounted in front of it/);
  });
});

describe("originGuard (single-user mode)", () => {
  const app = new Hono()
    .use("*", originGuard({ uploadPaths: ["/api/import"] }))
    .get("/api/me", (context) => context.json({ user: "default" }))
    .post("/api/chat", (context) => context.json({ stored: true }))
    .post("/api/import", (context) => context.json({ imported: true }))
    .delete("/api/sessions/s1", (context) => context.body(null, 204));
  const own = "http://127.0.0.1:8000";
  const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(`${own}${path}`, { ...init, headers: { host: "127.0.0.1:8000", ...init.headers } });

  it("accepts the CLI (no Origin, JSON) and the web app served by this server (same origin)", async () => {
    expect((await call("/api/chat", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(200);
    expect((await call("/api/chat", { method: "POST", headers: { "content-type": "application/json", origin: own }, body: "{}" })).status).toBe(200);
    expect((await call("/api/import", { method: "POST", headers: { "content-type": "application/octet-stream", origin: own }, body: "PK" })).status).toBe(200);
    expect((await call("/api/import", { method: "POST", headers: { "content-type": "application/zip" }, body: "PK" })).status).toBe(200);
    expect((await call("/api/sessions/s1", { method: "DELETE", headers: { origin: own } })).status).toBe(204);
    expect((await call("/api/me", { headers: { host: "localhost:8000" } })).status).toBe(200);
    expect((await call("/api/me", { headers: { host: "[::1]:8000" } })).status).toBe(200);
  });

  it("refuses a Host that is not a loopback name (DNS rebinding) with 403", async () => {
    for (const host of ["evil.example", "evil.example:8000", "192.168.1.20:8000", "localhost.evil.example"]) {
      const response = await call("/api/me", { headers: { host } });
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorReply).error.code).toBe("ERR_FORBIDDEN_ORIGIN");
    }
  });

  it("refuses a state-changing request from a foreign page (CSRF) with 403", async () => {
    for (const origin of ["https://evil.example", "http://127.0.0.1:9999", "null"]) {
      const response = await call("/api/import", { method: "POST", headers: { origin, "content-type": "application/zip" }, body: "PK" });
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorReply).error.code).toBe("ERR_FORBIDDEN_ORIGIN");
    }
    const fetchMetadata = await call("/api/chat", { method: "POST", headers: { "sec-fetch-site": "cross-site", "content-type": "application/json" }, body: "{}" });
    expect(fetchMetadata.status).toBe(403);
  });

  it("refuses bodies a cross-site form can send (text/plain, form encodings) with 415", async () => {
    for (const [path, type] of [
      ["/api/chat", "text/plain"],
      ["/api/chat", "application/x-www-form-urlencoded"],
      ["/api/chat", "application/zip"],
      ["/api/import", "text/plain;charset=UTF-8"],
      ["/api/import", "multipart/form-data; boundary=x"],
    ] as const) {
      const response = await call(path, { method: "POST", headers: { "content-type": type }, body: "data" });
      expect(response.status).toBe(415);
      const reply = (await response.json()) as ErrorReply;
      expect(reply.error.code).toBe("ERR_UNSUPPORTED_MEDIA_TYPE");
      expect(reply.error.message).toMatch(/application\/json/);
    }
  });
});
