import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { webRoutes } from "../../src/server/routes/web.js";

describe("the web app's static routes", () => {
  const dir = mkdtempSync(join(tmpdir(), "wellness-webroot-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>');
  writeFileSync(join(dir, "assets", "app-1a2b.js"), "console.log('app');");

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves index.html at / with a self-only Content-Security-Policy", async () => {
    const response = await webRoutes({ root: dir }).request("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/u);
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:/u);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await response.text()).toContain("/assets/app-1a2b.js");
  });

  it("serves hashed assets for a year, and nothing outside the build", async () => {
    const routes = webRoutes({ root: dir });
    const asset = await routes.request("/assets/app-1a2b.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(asset.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect((await routes.request("/assets/missing.js")).status).toBe(404);
    expect((await routes.request("/assets/..%2f..%2fetc%2fpasswd")).status).toBe(404);
  });

  it("says how to build the app when it has not been built", async () => {
    const response = await webRoutes({ root: join(dir, "nothing-here") }).request("/");
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/npm run build/u);
  });
});
