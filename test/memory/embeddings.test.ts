import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingUnavailableError, LocalEmbeddings, OllamaEmbeddingProvider } from "../../src/index.js";
import { freePort } from "../support/ports.js";

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);

describe("LocalEmbeddings (Universal Sentence Encoder Lite from the npm package, offline)", () => {
  const local = new LocalEmbeddings();

  it("gives 512-dimensional unit vectors, closer for closer meanings, the same batched or not", async () => {
    const [goal, sameGoal, other] = await local.embed([
      "I want to walk 10000 steps every day",
      "my goal is ten thousand steps a day",
      "what is a normal blood oxygen level",
    ]);
    expect(goal).toHaveLength(512);
    expect(Math.hypot(...(goal as Float32Array))).toBeCloseTo(1, 4);
    expect(cosine(goal as Float32Array, sameGoal as Float32Array)).toBeGreaterThan(cosine(goal as Float32Array, other as Float32Array) + 0.3);
    const [single] = await local.embed(["I want to walk 10000 steps every day"]);
    expect(cosine(single as Float32Array, goal as Float32Array)).toBeCloseTo(1, 4);
    expect(await local.embed([])).toEqual([]);
  });
});

describe("OllamaEmbeddingProvider", () => {
  let server: Server;
  let port: number;
  let failuresLeft = 0;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        requests += 1;
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          response.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "server overloaded" }));
          return;
        }
        const { input, model } = JSON.parse(body) as { input: string[]; model: string };
        const dimensions = model === "tiny" ? 3 : 4;
        response
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ model, embeddings: input.map((_, index) => Array.from({ length: dimensions }, (__, d) => index + d + 1)) }));
      });
    });
    port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  });

  afterAll(() => {
    server.close();
  });

  it("fails fast with a clear, typed error when Ollama is not running", async () => {
    const closed = await freePort();
    const provider = new OllamaEmbeddingProvider({ baseUrl: `http://127.0.0.1:${closed}`, dimensions: 4 });
    const attempt = provider.embed(["hello"]);
    await expect(attempt).rejects.toBeInstanceOf(EmbeddingUnavailableError);
    await expect(attempt).rejects.toThrow(/Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+ .*ollama serve.*EMBEDDING_PROVIDER=local/);
  });

  it("retries transient failures with backoff, batches texts, and normalizes", async () => {
    failuresLeft = 2;
    requests = 0;
    const provider = new OllamaEmbeddingProvider({ baseUrl: `http://127.0.0.1:${port}`, model: "m", dimensions: 4, initialDelayMs: 5 });
    const vectors = await provider.embed(["a", "b"]);
    expect(requests).toBe(3);
    expect(vectors).toHaveLength(2);
    expect(Math.hypot(...(vectors[0] as Float32Array))).toBeCloseTo(1, 5);
  });

  it("refuses vectors of the wrong dimension", async () => {
    const provider = new OllamaEmbeddingProvider({ baseUrl: `http://127.0.0.1:${port}`, model: "tiny", dimensions: 1024 });
    await expect(provider.embed(["a"])).rejects.toThrow(/returned vectors of 3 dimensions, expected 1024/);
  });
});
