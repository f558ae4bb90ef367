import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LoadedLangGraphConfig } from "./langgraph-config.js";

export interface RedisStoreLangGraphConfig {
  /** The langgraph.json with `http.app` pointing at the generated module and the built-in /store off. */
  loaded: LoadedLangGraphConfig;
  /** Removes the generated module (once the server has loaded it). */
  dispose(): Promise<void>;
}

/**
 * Serves the /store API of another project's langgraph.json on the Redis store. The Agent Server
 * loads `http.app` by module path and its /store routes use its own in-memory store, so this
 * writes a small module that combines the app's Redis-backed store routes (store-app.ts) with the
 * project's own `http.app`, points the configuration at it and disables the built-in routes. A
 * langgraph.json that disables /store itself is left as it is (its graphs still get the Redis store).
 *
 * @example
 * ```ts
 * const { loaded, dispose } = await withRedisStoreApp(await loadLangGraphConfig("langgraph.json"));
 * await startAgentServer({ ...options, langgraph: loaded, store });
 * await dispose();
 * ```
 */
export async function withRedisStoreApp(original: LoadedLangGraphConfig): Promise<RedisStoreLangGraphConfig> {
  if (original.config.http?.disable_store === true) return { loaded: original, dispose: () => Promise.resolve() };
  const self = fileURLToPath(import.meta.url);
  const storeApp = pathToFileURL(join(self, "..", `store-app${extname(self)}`)).href;
  const userApp = original.config.http?.app;
  const lines = [`import { redisStoreApp } from ${JSON.stringify(storeApp)};`];
  if (userApp) {
    const [file = "", symbol = "default"] = userApp.split(":", 2);
    lines.push(`import * as project from ${JSON.stringify(pathToFileURL(resolve(original.cwd, file)).href)};`);
    lines.push(`export const app = redisStoreApp(project[${JSON.stringify(symbol)}]);`);
  } else {
    lines.push("export const app = redisStoreApp();");
  }
  const dir = await mkdtemp(join(tmpdir(), "wellness-http-app-"));
  const module = join(dir, "app.mjs");
  await writeFile(module, `${lines.join("\n")}\n`);
  return {
    loaded: { cwd: original.cwd, config: { ...original.config, http: { ...original.config.http, app: `${module}:app`, disable_store: true } } },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
