import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ValidationError } from "../errors.js";

const CorsSchema = z.object({
  allow_origins: z.array(z.string()).optional(),
  allow_methods: z.array(z.string()).optional(),
  allow_headers: z.array(z.string()).optional(),
  allow_credentials: z.boolean().optional(),
  allow_origin_regex: z.string().optional(),
  expose_headers: z.array(z.string()).optional(),
  max_age: z.number().optional(),
});

const GraphSpecSchema = z.union([z.string(), z.object({ path: z.string(), description: z.string().optional() })]);

/** The parts of a langgraph.json that `wellness serve --config` honours (as `langgraph dev` does). */
export const LangGraphConfigSchema = z.object({
  graphs: z.record(z.string(), GraphSpecSchema),
  auth: z.object({ path: z.string().optional(), disable_studio_auth: z.boolean().optional() }).optional(),
  http: z
    .object({
      app: z.string().optional(),
      disable_assistants: z.boolean().optional(),
      disable_threads: z.boolean().optional(),
      disable_runs: z.boolean().optional(),
      disable_store: z.boolean().optional(),
      disable_meta: z.boolean().optional(),
      cors: CorsSchema.optional(),
    })
    .optional(),
  env: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
});

export type LangGraphConfig = z.infer<typeof LangGraphConfigSchema>;
export type CorsConfig = z.infer<typeof CorsSchema>;

export interface LoadedLangGraphConfig {
  config: LangGraphConfig;
  /** The directory the file's relative paths are resolved against. */
  cwd: string;
}

/** Reads and validates a langgraph.json. */
export async function loadLangGraphConfig(path: string): Promise<LoadedLangGraphConfig> {
  const file = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new ValidationError(`Could not read ${file} as JSON (${(error as Error).message}); pass a langgraph.json with --config.`, { cause: error });
  }
  const parsed = LangGraphConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(`${file} is not a usable langgraph.json: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  }
  return { config: parsed.data, cwd: dirname(file) };
}

/**
 * Applies a langgraph.json `env` (an object, or the path of a .env file) to this process, never
 * overriding a variable the environment already sets.
 */
export function applyLangGraphEnv(loaded: LoadedLangGraphConfig, env: NodeJS.ProcessEnv = process.env): void {
  const { config, cwd } = loaded;
  if (config.env === undefined) return;
  if (typeof config.env === "string") {
    const before = { ...env };
    process.loadEnvFile(resolve(cwd, config.env));
    for (const [key, value] of Object.entries(before)) env[key] = value;
    return;
  }
  for (const [key, value] of Object.entries(config.env)) env[key] ??= value;
}

/**
 * The app's own langgraph.json, for `wellness serve` without --config: the graphs "stateful" and
 * "stateless", the token auth and the app's routes of src/agent-server/entry.ts (the built file
 * under dist/, or the source when run with tsx), with the official /store routes replaced by the
 * app's Redis-backed ones. `npm run studio` reads the repository's langgraph.json instead.
 */
export function appLangGraphConfig(): LoadedLangGraphConfig {
  const self = fileURLToPath(import.meta.url);
  const entry = `./entry${extname(self)}`;
  return {
    cwd: dirname(self),
    config: {
      graphs: { stateful: `${entry}:stateful`, stateless: `${entry}:stateless` },
      auth: { path: `${entry}:auth`, disable_studio_auth: true },
      http: { app: `${entry}:app`, disable_store: true },
    },
  };
}
