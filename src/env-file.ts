import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./errors.js";

/**
 * Reads a `.env` file (default: `.env` in the working directory) into `env`, which is normally
 * `process.env`. Variables already set in the environment win, so `REDIS_URL=... wellness serve`
 * overrides the file. A missing file is fine; an unreadable one stops start-up with its path.
 * Returns the names it set. Parsing is Node's own (`util.parseEnv`, the format of `--env-file`).
 *
 * @example
 * ```ts
 * loadEnvFile();               // .env in the working directory, if there is one
 * const config = loadConfig(); // sees the file's values where the environment had none
 * ```
 */
export function loadEnvFile(path = ".env", env: Record<string, string | undefined> = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(resolve(path), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    throw new ConfigError([{ variable: path, message: `cannot read the file (${code ?? (error as Error).message}); fix its permissions or remove it` }], { cause: error });
  }
  const applied: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    applied.push(name);
  }
  return applied;
}
