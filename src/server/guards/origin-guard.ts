import type { MiddlewareHandler } from "hono";
import { ForbiddenOriginError, UnsupportedMediaTypeError } from "../../errors.js";
import { isJsonContentType } from "./json-body.js";
import { refuse } from "./refuse.js";

/** Body types an export upload may carry besides JSON. */
export const UPLOAD_CONTENT_TYPES = ["application/zip", "application/xml", "text/xml", "application/octet-stream"] as const;

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

export interface OriginGuardOptions {
  /**
   * Paths (exact, or a prefix ending in "/") whose state-changing requests carry an export file:
   * they may also send the {@link UPLOAD_CONTENT_TYPES}. Default: /api/import.
   */
  uploadPaths?: readonly string[];
  /** Further origins allowed to make state-changing requests (e.g. a Vite dev server), exactly as browsers send them. */
  trustedOrigins?: readonly string[];
}

/** The host name of a Host header (or URL host): lowercased, port removed, IPv6 kept in brackets. */
export function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  const colon = lower.indexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** The media type of a Content-Type header, without parameters, lowercased. */
function mediaType(contentType: string): string {
  return (contentType.split(";", 1)[0] ?? "").trim().toLowerCase();
}

/** Whether headers announce a body: a positive Content-Length or a Transfer-Encoding. */
function declaresBody(headers: Headers): boolean {
  return Number(headers.get("content-length") ?? "0") > 0 || headers.has("transfer-encoding");
}

function matchesPath(path: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => (pattern.endsWith("/") ? path.startsWith(pattern) : path === pattern || path === `${pattern}/`));
}

/**
 * For single-user mode, where the server trusts whoever reaches it: it must then be reached only
 * by the user's own programs, never driven by a web page they happen to visit.
 *
 * - The Host must be a loopback name (localhost, 127.0.0.1, [::1], any port): a page on
 *   `evil.example` that rebinds its name to 127.0.0.1 sends its own name as Host (DNS rebinding).
 * - A state-changing request (POST, PUT, PATCH, DELETE) whose Origin is present must come from the
 *   server itself (same scheme, host and port) or a trusted origin; `Sec-Fetch-Site: cross-site`
 *   without an Origin is refused too (CSRF).
 * - A state-changing request with a body must say it is JSON (or, on the upload paths, a zip or
 *   XML export): a cross-site form can only send form or text/plain bodies without a preflight.
 *
 * The CLI and curl (no Origin) and the web app served by this server (same origin) pass.
 * Refusals are 403 ERR_FORBIDDEN_ORIGIN and 415 ERR_UNSUPPORTED_MEDIA_TYPE.
 *
 * @example
 * ```ts
 * if (auth.singleUser) app.use("*", originGuard({ uploadPaths: ["/api/import"] }));
 * ```
 */
export function originGuard(options: OriginGuardOptions = {}): MiddlewareHandler {
  const uploadPaths = options.uploadPaths ?? ["/api/import"];
  const trusted = new Set((options.trustedOrigins ?? []).map((origin) => origin.toLowerCase()));
  return async (context, next) => {
    const request = context.req.raw;
    const url = new URL(request.url);
    const host = request.headers.get("host") ?? url.host;
    if (!LOOPBACK_NAMES.has(hostName(host))) {
      return refuse(
        context,
        new ForbiddenOriginError(`Host '${host.slice(0, 100)}' is not this machine: in single-user mode the server answers only requests addressed to localhost, 127.0.0.1 or [::1]. Open it at http://127.0.0.1:<port>/, or set API_TOKENS to serve other hosts.`),
      );
    }
    if (!STATE_CHANGING.has(request.method)) return next();
    const origin = request.headers.get("origin");
    const own = `${url.protocol}//${host}`.toLowerCase();
    if (origin !== null && origin.toLowerCase() !== own && !trusted.has(origin.toLowerCase())) {
      return refuse(context, new ForbiddenOriginError(`A ${request.method} from the web page at ${origin.slice(0, 100)} is refused: only pages served by this server (${own}) may change data in single-user mode.`));
    }
    if (origin === null && request.headers.get("sec-fetch-site") === "cross-site") {
      return refuse(context, new ForbiddenOriginError(`A cross-site ${request.method} is refused: only pages served by this server (${own}) may change data in single-user mode.`));
    }
    const contentType = request.headers.get("content-type");
    if (contentType === null && !declaresBody(request.headers)) return next();
    const upload = matchesPath(url.pathname, uploadPaths);
    const type = mediaType(contentType ?? "");
    const accepted = isJsonContentType(contentType ?? undefined) || (upload && (UPLOAD_CONTENT_TYPES as readonly string[]).includes(type));
    if (!accepted) {
      return refuse(context, new UnsupportedMediaTypeError(contentType ?? "", upload ? ["application/json", ...UPLOAD_CONTENT_TYPES] : ["application/json"]));
    }
    return next();
  };
}
