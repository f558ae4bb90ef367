import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectTestRedis, deletePrefix, uniquePrefix, type TestConnection } from "./support/redis.js";

const run = promisify(execFile);
const root = new URL("../", import.meta.url).pathname;

/** The code block README.md marks as the snippet for using the package from another project. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const match = /<!-- package-snippet[^>]*-->\s*```js\n([\s\S]*?)```/u.exec(readme);
  if (!match?.[1]) throw new Error("README.md has no block marked <!-- package-snippet -->");
  return match[1];
}

/**
 * The README's "Using the package from another project", step by step: `npm pack` (which builds),
 * install the tarball into a fresh project, run the README's snippet there against a real Redis.
 */
describe("the packed package in another project", () => {
  let test: TestConnection;
  let dir: string;
  const prefix = uniquePrefix("package");

  beforeAll(async () => {
    test = await connectTestRedis();
    dir = mkdtempSync(join(tmpdir(), "wellness-package-"));
  });

  afterAll(async () => {
    await deletePrefix(test.client, prefix);
    await test.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("packs, installs from the tarball and runs the README snippet", async () => {
    await run("npm", ["pack", "--pack-destination", dir], { cwd: root, maxBuffer: 16 << 20 });
    const [tarball] = readdirSync(dir).filter((name) => name.endsWith(".tgz"));
    expect(tarball).toMatch(/^redis-wellness-agent-\d+\.\d+\.\d+\.tgz$/u);

    const project = join(dir, "my-app");
    await run("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-app", private: true, type: "module" }));
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, tarball ?? "")], { cwd: project, maxBuffer: 16 << 20 });

    writeFileSync(join(project, "index.js"), readmeSnippet());
    writeFileSync(join(project, ".env"), `REDIS_URL=${inject("redisUrl")}\nREDIS_KEY_PREFIX=${prefix}\n`);
    const { stdout } = await run(process.execPath, ["index.js"], {
      cwd: project,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    });
    expect(stdout).toMatch(/^knowledge pack: \d+ facts$/mu);
    expect(stdout).toMatch(/^closest fact: .*sleep/imu);
  }, 900_000);
});
