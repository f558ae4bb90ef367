import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SessionIndex } from "../../src/checkpoint/session-index.js";
import { redisDownMessage } from "../../src/cli/connection.js";
import { notEpisodic } from "../../src/cli/memory.js";
import { loadConfig } from "../../src/config.js";
import { formatBytes, parseEndDate } from "../../src/cli/options.js";
import { KeySchema } from "../../src/redis/keys.js";
import { freePort } from "../support/ports.js";
import { wellness } from "../support/cli.js";
import { connectTestRedis, deletePrefix, uniquePrefix, type TestConnection } from "../support/redis.js";

const root = new URL("../../", import.meta.url).pathname;

describe("what a new user meets on the command line", () => {
  let test: TestConnection;
  let dir: string;
  const prefix = uniquePrefix("cli-first-hour");
  let env: Record<string, string>;

  beforeAll(async () => {
    test = await connectTestRedis();
    dir = mkdtempSync(join(tmpdir(), "wellness-first-hour-"));
    env = { REDIS_URL: inject("redisUrl"), REDIS_KEY_PREFIX: prefix, DEFAULT_USER_ID: "first-hour" };
  });

  afterAll(async () => {
    await deletePrefix(test.client, prefix);
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("wellness chat refuses another user's session, as the HTTP API does", async () => {
    const sessions = new SessionIndex(test.client, new KeySchema(prefix));
    await sessions.touch("alice", "alice-session");
    const result = await wellness(["chat", "--session", "alice-session", "--user", "mallory", "-m", "How did I sleep?"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^User mallory has no session alice-session\. Leave the session id out to start a new conversation\.$/mu);
    expect(result.stdout).not.toMatch(/agent>/u);
    expect(await sessions.ownerOf("alice-session")).toBe("alice");
    await expect(sessions.assertAccessible("alice-session", "alice")).resolves.toBeUndefined();
    await expect(sessions.assertAccessible("nobody-has-this-yet", "mallory")).resolves.toBeUndefined();
  }, 60_000);

  it("reads .env from the working directory, the environment taking precedence", async () => {
    const project = mkdtempSync(join(dir, "project-"));
    writeFileSync(join(project, ".env"), `REDIS_URL=${inject("redisUrl")}\nREDIS_KEY_PREFIX=${prefix}\nDEFAULT_USER_ID=from-dotenv\n`);
    const fromFile = await wellness(["memory", "forget", "000000000aaaaaaaaaa"], {}, "", project);
    expect(fromFile.stderr).toMatch(/User from-dotenv has no memory 000000000aaaaaaaaaa/);
    const overridden = await wellness(["memory", "forget", "000000000aaaaaaaaaa"], { DEFAULT_USER_ID: "from-env" }, "", project);
    expect(overridden.stderr).toMatch(/User from-env has no memory 000000000aaaaaaaaaa/);
  }, 60_000);

  it("memory forget explains ids of shared facts and procedures", async () => {
    expect(notEpisodic("0123456789abcdef")).toMatch(/shared health fact .*not forgotten one by one/);
    expect(notEpisodic("0123456789ab")).toMatch(/looks like a procedure/);
    expect(notEpisodic("000000000aaaaaaaaaa")).toBeUndefined();
    const fact = await wellness(["memory", "forget", "0123456789abcdef"], env);
    expect(fact.code).toBe(1);
    expect(fact.stderr).toMatch(/looks like a shared health fact \(memory list --type semantic\)/);
  }, 30_000);

  it("says to run npm start when no Redis answers, and only says to install redis-server when it is missing", async () => {
    const config = loadConfig({ USER_TIMEZONE: "UTC" });
    expect(redisDownMessage(config, "connect ECONNREFUSED", true)).toMatch(/Start the app first with npm start .*starts the installed redis-server with its data in \.data\/redis/);
    expect(redisDownMessage(config, "connect ECONNREFUSED", true)).not.toMatch(/apt-get/);
    expect(redisDownMessage(config, "connect ECONNREFUSED", false)).toMatch(/Install Redis \(apt-get install redis-server, or brew install redis\) and run npm start/);
    const port = await freePort();
    const result = await wellness(["memory", "stats"], { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CONNECT_TIMEOUT_MS: "500" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^No Redis answers at redis://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\)\\. .*npm start`, "u"));
    expect(result.stderr).not.toMatch(/^warn:/mu);
  }, 30_000);

  it("prints its version and shows the export size as 10MB", async () => {
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect((await wellness(["--version"], {})).stdout.trim()).toBe(manifest.version);
    const help = await wellness(["generate-export", "--help"], {});
    expect(help.stdout).toMatch(/--size <size>\s+approximate size, e\.g\. 10MB or 1GB \(default: 10MB\)/u);
    expect(formatBytes(10e6)).toBe("10MB");
    expect(formatBytes(1.5e9)).toBe("1.5GB");
    expect(() => parseEndDate("2017-02-30")).toThrow(/YYYY-MM-DD/);
  });

  it("generate-export --end and --days write exactly those days, counting records as the importer does", async () => {
    const path = join(dir, "old.xml");
    const generated = await wellness(["generate-export", path, "--end", "2017-11-11", "--days", "3"], {});
    expect(generated.code).toBe(0);
    const [, records] = /, ([\d,]+) records, 3 days \(2017-11-09 to 2017-11-11\)\./u.exec(generated.stdout) ?? [];
    expect(records).toBeDefined();
    expect(generated.stdout).toMatch(/Records are counted as wellness import counts them: Record, Workout and ActivitySummary elements/);
    const imported = await wellness(["import", path, "--user", "old", "--json"], env);
    expect(imported.code).toBe(0);
    const summary = JSON.parse(imported.stdout) as { records: number; firstDate: string; lastDate: string };
    expect(summary.records.toLocaleString("en-US")).toBe(records);
    expect(summary.lastDate).toBe("2017-11-11");
    const table = await wellness(["import", path, "--user", "old"], env);
    expect(table.stdout).toMatch(/^records\s+[\d,]+, counting Record, Workout and ActivitySummary elements/mu);
    expect(table.stdout).not.toMatch(/2015-era/u);
  }, 60_000);
});
