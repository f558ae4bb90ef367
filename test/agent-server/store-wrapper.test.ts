import { readFileSync, existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withRedisStoreApp } from "../../src/agent-server/store-wrapper.js";

describe("withRedisStoreApp", () => {
  it("points http.app at a generated module that puts the Redis store routes before the project's app, and removes it", async () => {
    const generated = await withRedisStoreApp({ cwd: "/project", config: { graphs: { g: "./g.ts:graph" }, http: { app: "./src/http.ts:routes" } } });
    const { loaded } = generated;
    const [file = "", symbol] = (loaded.config.http?.app ?? "").split(":");
    expect(symbol).toBe("app");
    expect(loaded.config.http?.disable_store).toBe(true);
    expect(loaded.config.graphs).toEqual({ g: "./g.ts:graph" });
    const source = readFileSync(file, "utf8");
    expect(source).toContain('from "file:///project/src/http.ts"');
    expect(source).toContain('redisStoreApp(project["routes"])');
    await generated.dispose();
    expect(existsSync(file)).toBe(false);
  });

  it("serves the store alone for a langgraph.json without http.app", async () => {
    const generated = await withRedisStoreApp({ cwd: "/project", config: { graphs: {} } });
    const [file = ""] = (generated.loaded.config.http?.app ?? "").split(":");
    expect(readFileSync(file, "utf8")).toContain("export const app = redisStoreApp();");
    await generated.dispose();
  });

  it("leaves a langgraph.json that disables /store as it is", async () => {
    const original = { cwd: "/project", config: { graphs: {}, http: { app: "./http.ts:app", disable_store: true } } };
    const { loaded } = await withRedisStoreApp(original);
    expect(loaded).toBe(original);
  });
});
