import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticExport } from "../../src/health/synthetic/generator.js";
import { BREAK, FIRST, FOLLOW_UP, GOAL, HTML } from "../fixtures/models/web-model.js";
import { startServe, type RunningServe } from "../support/agent-server.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";
import { launchChromium, type TestBrowser } from "./browser.js";
import type { PageCanvas, PageGlobals } from "./page-globals.js";

const root = new URL("../../", import.meta.url).pathname;
const TOKEN = "web-test-token-0123456789";

/** Counts the pixels of a canvas inside `selector` close to an RGB colour (what a series drew, not the axes). */
async function pixelsOfColour(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  return page.locator(`${selector} canvas`).first().evaluate((canvas, [r, g, b]) => {
    const element = canvas as unknown as PageCanvas;
    const data = element.getContext("2d")?.getImageData(0, 0, element.width, element.height).data ?? new Uint8ClampedArray();
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs((data[i] ?? 0) - r) < 24 && Math.abs((data[i + 1] ?? 0) - g) < 24 && Math.abs((data[i + 2] ?? 0) - b) < 24 && (data[i + 3] ?? 0) > 200) count += 1;
    }
    return count;
  }, rgb);
}

describe("the web app in Chromium against a real server", () => {
  let test: TestConnection;
  let server: RunningServe;
  let url: string;
  let browser: TestBrowser;
  let page: Page;
  const dir = mkdtempSync(join(tmpdir(), "wellness-web-"));
  const exportPath = join(dir, "export.xml");
  const shots = process.env.WEB_SCREENSHOTS_DIR;

  beforeAll(async () => {
    browser = await launchChromium();
    test = await connectTestRedis({ label: "web" });
    const webRoot = join(dir, "web");
    await build({ configFile: join(root, "web/vite.config.ts"), logLevel: "warn", build: { outDir: webRoot, emptyOutDir: true } });
    const [stats] = await Promise.all([writeSyntheticExport(exportPath, { seed: 11, bytes: shots ? 40_000_000 : 2_500_000, endDate: "2025-06-30" })]);
    expect(stats.days).toBeGreaterThan(3);

    server = await startServe(
      undefined,
      { REDIS_URL: test.url, REDIS_KEY_PREFIX: test.prefix, USER_TIMEZONE: "Europe/Berlin", API_TOKENS: `${TOKEN}:webuser`, WEB_ROOT: webRoot },
      90_000,
      ["--model-module", "test/fixtures/models/web-model.ts"],
    );
    url = server.url;
    page = await browser.context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await test?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the page with a strict CSP, asks for the token, keeps it out of the URL, and shows the status", async () => {
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toMatch(/default-src 'self'.*script-src 'self'/u);
    await page.getByTestId("token-input").fill(TOKEN);
    await page.getByTestId("token-submit").click();
    await expect.poll(() => page.getByTestId("status-user").textContent()).toBe("webuser");
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.getItem("wellness.apiToken"))).toBe(TOKEN);
    await expect.poll(() => page.getByTestId("status-redis").textContent()).toMatch(/Redis \d+\.\d+/u);
    expect(await page.getByTestId("status-model").textContent()).toContain("ready");
    await expect.poll(() => page.getByTestId("status-live").textContent()).toMatch(/^1 server, 0 workers/u);
  });

  it("uploads a generated export through the page and shows the summary", async () => {
    await page.getByTestId("tab-import").click();
    await page.getByTestId("import-file").setInputFiles(exportPath);
    const summary = page.getByTestId("import-summary");
    await summary.waitFor({ timeout: 120_000 });
    expect(await page.getByTestId("import-last-day").textContent()).toBe("2025-06-30");
    expect(await summary.textContent()).toMatch(/StepCount/u);
  });

  it("draws the steps and sleep charts over all the data", async () => {
    await page.getByTestId("tab-dashboard").click();
    await page.getByTestId("range-all").click();
    await page.locator('[data-testid="chart-steps"] canvas').waitFor();
    await expect.poll(() => page.getByTestId("chart-steps").getAttribute("data-points")).not.toBe("0");
    expect(Number(await page.getByTestId("chart-sleep").getAttribute("data-points"))).toBeGreaterThan(0);
    await expect.poll(() => pixelsOfColour(page, '[data-testid="chart-steps"]', [220, 56, 45])).toBeGreaterThan(50);
    await expect.poll(() => pixelsOfColour(page, '[data-testid="chart-sleep"]', [59, 130, 246])).toBeGreaterThan(50);
    if (shots) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
    }
  });

  it("sends one question to both panes: streamed answers with a tool call each; only the stateful pane remembers", async () => {
    await page.getByTestId("tab-chat").click();
    await page.evaluate(() => {
      const browser = globalThis as unknown as PageGlobals;
      const seen: string[] = [];
      browser.__seen = seen;
      const pane = browser.document.querySelector('[data-testid="pane-stateful"]');
      if (!pane) throw new Error("no stateful pane");
      new browser.MutationObserver(() => {
        const reply = pane.querySelector('[data-testid="message-assistant"] .markdown');
        if (reply?.textContent) seen.push(reply.textContent);
      }).observe(pane, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId("chat-input").fill(FIRST);
    await page.getByTestId("chat-send").click();
    for (const pane of ["pane-stateful", "pane-stateless"]) {
      const reply = page.getByTestId(pane).getByTestId("message-assistant").last();
      await expect.poll(() => reply.textContent(), { timeout: 20_000 }).toContain(" steps a day, a little more on weekends.");
      await expect.poll(() => reply.getAttribute("data-streaming")).toBe("false");
      expect(await reply.getByTestId("faithfulness").getAttribute("data-status")).toBe("supported");
      expect(await page.getByTestId(pane).getByTestId("tool-call").count()).toBe(1);
      expect(await page.getByTestId(pane).getByTestId("tool-call").textContent()).toContain("get_health_metrics");
    }
    const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).__seen ?? []);
    const final = (await page.getByTestId("pane-stateful").getByTestId("message-assistant").last().locator(".markdown").textContent()) ?? "";
    expect(final).toMatch(/^You walk about [\d,]+ steps a day, a little more on weekends\.$/u);
    expect(seen.some((snapshot) => snapshot.length > 0 && snapshot.length < final.length && final.startsWith(snapshot.trim()))).toBe(true);

    await page.getByTestId("chat-input").fill(FOLLOW_UP);
    await page.getByTestId("chat-send").click();
    const stateful = page.getByTestId("pane-stateful").getByTestId("message-assistant").last();
    const stateless = page.getByTestId("pane-stateless").getByTestId("message-assistant").last();
    await expect.poll(() => stateful.textContent(), { timeout: 20_000 }).toContain(`You first asked: "${FIRST}"`);
    await expect.poll(() => stateless.textContent(), { timeout: 20_000 }).toContain("I do not know what you asked before");
    await expect.poll(() => page.getByTestId("comparison").locator("tbody tr").count()).toBe(2);
    if (shots) await page.screenshot({ path: join(shots, "chat.png"), fullPage: true });
  });

  it("keeps the thread across a reload and lists it by its first question", async () => {
    const before = new URL(page.url()).searchParams.get("thread");
    expect(before).toMatch(/^[0-9a-f-]{36}$/u);
    await page.reload();
    expect(new URL(page.url()).searchParams.get("thread")).toBe(before);
    const item = page.getByTestId("thread-list").locator(`[data-thread-id="${before}"]`);
    await expect.poll(() => item.textContent()).toContain(FIRST);
    await expect.poll(() => page.getByTestId("pane-stateful").getByTestId("message-user").count()).toBe(2);
    expect(await page.getByTestId("pane-stateful").getByTestId("message-assistant").last().textContent()).toContain("You first asked");

    await page.getByTestId("thread-new").click();
    expect(new URL(page.url()).searchParams.get("thread")).toBeNull();
    expect(await page.getByTestId("pane-stateful").getByTestId("message-user").count()).toBe(0);
    await item.locator("button.thread-open").click();
    await expect.poll(() => page.getByTestId("pane-stateful").getByTestId("message-user").count()).toBe(2);
  });

  it("shows a failing model as a message in each pane, and deletes a conversation", async () => {
    await page.getByTestId("thread-new").click();
    await page.getByTestId("chat-input").fill(BREAK);
    await page.getByTestId("chat-send").click();
    for (const pane of ["pane-stateful", "pane-stateless"]) {
      await expect.poll(() => page.getByTestId(pane).getByTestId("pane-error").textContent(), { timeout: 20_000 }).toContain("is not reachable. Start Ollama.");
    }
    const broken = new URL(page.url()).searchParams.get("thread");
    expect(broken).toMatch(/^[0-9a-f-]{36}$/u);
    const item = page.getByTestId("thread-list").locator(`[data-thread-id="${broken}"]`);
    await expect.poll(() => item.textContent()).toContain(BREAK);
    page.once("dialog", (dialog) => void dialog.accept());
    await item.getByTestId("thread-delete").click();
    await expect.poll(() => item.count()).toBe(0);
    expect(new URL(page.url()).searchParams.get("thread")).toBeNull();
    expect(await page.getByTestId("thread-list").getByTestId("thread-item").count()).toBe(1);
  });

  it("shows a stated goal under memory and forgets it", async () => {
    await page.getByTestId("chat-input").fill(GOAL);
    await page.getByTestId("chat-send").click();
    await expect
      .poll(() => page.getByTestId("pane-stateful").getByTestId("message-assistant").last().textContent(), { timeout: 20_000 })
      .toContain("is your goal now");
    await expect.poll(() => page.getByTestId("pane-stateful").getByTestId("message-assistant").last().getAttribute("data-streaming")).toBe("false");
    await page.getByTestId("tab-memory").click();
    const goals = page.getByTestId("memory-goals");
    await expect.poll(() => goals.textContent()).toContain("walk 12000 steps a day");
    if (shots) await page.screenshot({ path: join(shots, "memory.png"), fullPage: true });
    await goals.getByTestId("memory-forget").first().click();
    await expect.poll(() => goals.textContent()).not.toContain("walk 12000 steps a day");
  });

  it("renders HTML in a reply as text", async () => {
    await page.getByTestId("tab-chat").click();
    await page.getByTestId("chat-input").fill(HTML);
    await page.getByTestId("chat-send").click();
    for (const pane of ["pane-stateful", "pane-stateless"]) {
      const reply = page.getByTestId(pane).getByTestId("message-assistant").last();
      await expect.poll(() => reply.textContent(), { timeout: 20_000 }).toContain("Here it is:");
      await expect.poll(() => reply.getAttribute("data-streaming"), { timeout: 20_000 }).toBe("false");
      expect(await reply.textContent()).toContain(`<img src=x onerror="window.__xss = 'img'">`);
      expect(await reply.textContent()).toContain("<script>window.__xss = 'script'</script>");
      expect(await page.getByTestId(pane).locator("img, script").count()).toBe(0);
    }
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__xss)).toBeUndefined();
  });
});
