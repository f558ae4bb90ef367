import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono, type Context, type MiddlewareHandler } from "hono";

export interface WebRouteOptions {
  /** The built web app (vite's outDir); defaults to dist/web beside the package. */
  root?: string;
}

/**
 * Self only: no inline script or style, no CDN, no framing, nothing sent anywhere but this server.
 * uPlot and React set styles through the CSSOM, which style-src does not restrict.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders: MiddlewareHandler = async (context, next) => {
  await next();
  context.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  context.header("X-Content-Type-Options", "nosniff");
  context.header("Referrer-Policy", "no-referrer");
  context.header("X-Frame-Options", "DENY");
};

/** dist/web next to this file's package: src/server/routes -> ../../../dist/web, dist/server/routes -> ../../web. */
export function defaultWebRoot(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const fromDist = resolve(here, "../../web");
  return existsSync(join(fromDist, "index.html")) ? fromDist : resolve(here, "../../../dist/web");
}

/**
 * The web app at `/`: index.html for `/` (and `/index.html`), hashed assets under `/assets/`
 * cached for a year, everything with a strict Content-Security-Policy. When the app has not been
 * built, `/` says how to build it instead of a bare 404.
 *
 * @example
 * ```ts
 * app.route("/", webRoutes());
 * ```
 */
export function webRoutes(options: WebRouteOptions = {}): Hono {
  const root = options.root ?? defaultWebRoot();
  const indexFile = join(root, "index.html");
  const index = async () => {
    if (!existsSync(indexFile)) return undefined;
    return readFile(indexFile, "utf8");
  };
  const page = new Hono();
  for (const path of ["/", "/index.html", "/assets/*", "/favicon.svg"]) page.use(path, securityHeaders);
  const servePage = async (context: Context) => {
    const html = await index();
    if (html === undefined) {
      return context.text("The web app is not built. Run `npm run build` (or `npm start`, which builds it) and reload.", 503);
    }
    context.header("Cache-Control", "no-cache");
    return context.html(html);
  };
  page.get("/", servePage);
  page.get("/index.html", servePage);
  page.use("/assets/*", async (context, next) => {
    await next();
    if (context.res.status === 200) context.header("Cache-Control", "public, max-age=31536000, immutable");
  });
  if (existsSync(root)) {
    page.use("/assets/*", serveStatic({ root }));
    page.get("/favicon.svg", serveStatic({ root }));
  }
  return page;
}
