import { loadConfig, type Config } from "../config.js";
import { loadEnvFile } from "../env-file.js";
import { createLogger } from "../logger.js";
import { createRuntime, type WellnessRuntime } from "./runtime.js";

/**
 * The runtime behind the graphs, auth and routes that a langgraph.json names (src/agent-server/
 * entry.ts). The Agent Server loads those by module path, so they cannot be handed a runtime:
 * `wellness serve` installs the one it built before the server starts, and any other host
 * (`npm run studio`'s dev server) gets one built from the environment on first use, never at
 * import. Kept on globalThis so that a second copy of this module (source and build loaded side
 * by side) still finds it.
 */
const SLOT = Symbol.for("wellness.servedRuntime");

type Slot = { runtime?: Promise<WellnessRuntime>; config?: Config };
const slot = (): Slot => {
  const holder = globalThis as { [SLOT]?: Slot };
  holder[SLOT] ??= {};
  return holder[SLOT];
};

/** Makes `runtime` the one the entry module's graphs and routes use (`wellness serve`). */
export function installServedRuntime(runtime: WellnessRuntime): void {
  slot().runtime = Promise.resolve(runtime);
  slot().config = runtime.config;
}

/**
 * The configuration the served runtime runs with, read synchronously (the auth handler needs the
 * tokens before any runtime exists): the installed runtime's, or the environment's (.env first).
 */
export function servedConfig(): Config {
  const current = slot();
  if (!current.config) {
    loadEnvFile();
    current.config = loadConfig();
  }
  return current.config;
}

/** The installed runtime, or one built from the environment (.env read first) on first use. */
export function servedRuntime(): Promise<WellnessRuntime> {
  const current = slot();
  current.runtime ??= (async () => {
    const config = servedConfig();
    const log = createLogger(config.logLevel);
    return createRuntime(config, { log, authenticatedCallers: { singleUser: config.server.apiTokens.size === 0 } });
  })();
  return current.runtime;
}

/** Closes the served runtime, if one was built or installed, and forgets it (hosts that stop, tests). */
export async function closeServedRuntime(): Promise<void> {
  const current = slot();
  const runtime = current.runtime;
  current.runtime = undefined;
  current.config = undefined;
  if (runtime) await (await runtime).close();
}
