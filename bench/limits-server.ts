/**
 * The server half of `npm run bench:limits`: the size guards and the upload route on a real HTTP
 * server in a process of its own (so its peak RSS is the server's alone), counting the request
 * bytes its routes actually read. Prints `listening <port>`; GET /stats answers the counts.
 *
 *   tsx bench/limits-server.ts <redis url> <upload root> <max upload bytes>
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { DEFAULT_LIMITS } from "../src/config.js";
import { connectRedis, KeySchema, silentLogger } from "../src/index.js";
import { errorResponse } from "../src/server/errors.js";
import { jsonBodyLimit, messageLimit, metadataLimit } from "../src/server/guards/index.js";
import { importRoutes } from "../src/server/routes/import.js";

const [redisUrl, uploadRoot, maxUpload] = process.argv.slice(2) as [string, string, string];
const redis = await connectRedis({ url: redisUrl });
let bytesRead = 0;

const app = new Hono();
app.use("*", async (context, next) => {
  const body = context.req.raw.body;
  if (body) {
    bytesRead = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          bytesRead += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    context.req.raw = new Request(context.req.raw.url, { method: context.req.raw.method, headers: context.req.raw.headers, body: counted, duplex: "half" });
  }
  await next();
});
app.use("/threads", jsonBodyLimit({ maxBytes: DEFAULT_LIMITS.jsonBodyBytes }), metadataLimit({ maxBytes: DEFAULT_LIMITS.metadataBytes }), messageLimit({ maxChars: DEFAULT_LIMITS.messageChars }));
app.post("/threads", async (context) => context.json({ keys: Object.keys(await context.req.json<object>()).length }));
app.route("/api/import", importRoutes({ client: redis, keys: new KeySchema("bench:"), indexTtlSeconds: 60, userOf: () => "bench", maxUploadBytes: Number(maxUpload), uploadRoot }));
app.get("/stats", (context) => context.json({ bytesRead, maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage().rss }));
app.onError((error, context) => errorResponse(error, context, silentLogger));

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
