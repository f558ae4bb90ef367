import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { createHash, timingSafeEqual } from "node:crypto";
import { getContext } from "hono/context-storage";
import { RateLimitedError, UnauthorizedError } from "../errors.js";
import { statusOf, type ErrorBody } from "../server/errors.js";
import { clientAddress, type AuthFailureLimiter } from "../server/guards/index.js";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Marks an Auth handler whose filters hide records of other owners: the server then lets every
 * caller read the assistants it registers from langgraph.json (they have no owner).
 */
export const SHARES_SYSTEM_ASSISTANTS = Symbol.for("wellness.agent-server.sharesSystemAssistants");

/** The identity of an unauthenticated request for a public page; it owns nothing and reaches no API. */
export const ANONYMOUS = "anonymous:public";

/** Pages anyone may load without a token: the web app (which then asks for one), /health and /ok. */
const PUBLIC_PATHS = /^\/(?:|index\.html|favicon\.svg|assets\/[^/]+|health|ok)$/u;

function isPublic(request: Request): boolean {
  return (request.method === "GET" || request.method === "HEAD") && PUBLIC_PATHS.test(new URL(request.url).pathname);
}

/** Metadata key that names the user who created a thread, run or assistant. */
export const OWNER_KEY = "owner";

/**
 * The app's bearer tokens (API_TOKENS: token -> user id) as the official `Auth` handler of the
 * Agent Server. Every request is authenticated (in single-user mode, with no tokens, as
 * `defaultUser`; `wellness serve` then binds to loopback only); every create stamps
 * `metadata.owner` with the caller, and every read, search, update and delete returns the filter
 * `{ owner: caller }` (with tokens; a single user gets no filter), which RedisOps applies where it
 * reads and writes. Store items must live under a namespace that starts with the caller's id.
 *
 * @example
 * ```ts
 * export const auth = bearerTokenAuth(new Map([["s3cret", "alice"]]), "me");
 * ```
 */
export function bearerTokenAuth(tokens: ReadonlyMap<string, string>, defaultUser: string): Auth {
  return lazyBearerTokenAuth(() => ({ tokens, defaultUser }));
}

/** The tokens and the single-user default, as `bearerTokenAuth` takes them. */
export interface TokenSettings {
  tokens: ReadonlyMap<string, string>;
  defaultUser: string;
  /**
   * Counts failed authentications per client address (in Redis, across processes); an address
   * over the limit gets 429 with Retry-After before its token is even looked at.
   */
  failures?: () => Promise<AuthFailureLimiter>;
}

/** The peer address of the request being authenticated (the server keeps its Hono context in async storage). */
function requestAddress(): string {
  try {
    return clientAddress(getContext());
  } catch {
    return "unknown";
  }
}

/** Runs the limiter, but never lets its own failure (Redis down) decide whether a caller gets in. */
async function throttled<T>(run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch {
    return undefined;
  }
}

/**
 * `error` as the auth handler's exception, answered as every other error of the server is (its
 * status, the JSON `{ "error": { "code", "message" } }`, Retry-After when it has one): the official
 * server answers such an exception with the exception's message as the body and its headers, so
 * the message is that JSON.
 */
function refusal(error: UnauthorizedError | RateLimitedError, headers: Record<string, string> = {}): HTTPException {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return new HTTPException(statusOf(error.code), {
    message: JSON.stringify(body),
    headers: {
      "Content-Type": "application/json; charset=UTF-8",
      ...(error instanceof RateLimitedError ? { "Retry-After": String(error.retryAfterSeconds) } : {}),
      ...headers,
    },
  });
}

/**
 * `bearerTokenAuth` whose settings are read on the first request, not when the module that
 * creates it is imported (langgraph.json's `auth` names an export, so its module must not read
 * the environment at import time).
 *
 * @example
 * ```ts
 * export const auth = lazyBearerTokenAuth(() => ({ tokens: loadConfig().server.apiTokens, defaultUser: "me" }));
 * ```
 */
export function lazyBearerTokenAuth(settings: () => TokenSettings): Auth {
  let resolved: { known: { hash: Buffer; user: string }[]; defaultUser: string; failures: TokenSettings["failures"] } | undefined;
  const current = () => {
    if (!resolved) {
      const { tokens, defaultUser, failures } = settings();
      resolved = { known: [...tokens.entries()].map(([token, user]) => ({ hash: digest(token), user })), defaultUser, failures };
    }
    return resolved;
  };
  const refuse = async (address: string, message: string): Promise<never> => {
    const { failures } = current();
    if (failures) await throttled(async () => (await failures()).recordFailure(address));
    throw refusal(new UnauthorizedError(message), { "WWW-Authenticate": "Bearer" });
  };
  const auth = new Auth()
    .authenticate(async (request: Request) => {
      const { known, defaultUser, failures } = current();
      if (known.length === 0) return { identity: defaultUser, permissions: [], is_authenticated: true, display_name: defaultUser };
      const header = request.headers.get("authorization");
      if (header === null && isPublic(request)) return { identity: ANONYMOUS, permissions: [], is_authenticated: false, display_name: ANONYMOUS };
      const address = requestAddress();
      const verdict = failures ? await throttled(async () => (await failures()).check(address)) : undefined;
      if (verdict?.limited) {
        throw refusal(new RateLimitedError(`Too many failed sign-ins from this address; try again in ${verdict.retryAfterSeconds} s.`, verdict.retryAfterSeconds));
      }
      const match = /^Bearer\s+(\S+)$/iu.exec(header ?? "");
      if (!match) return refuse(address, "Send Authorization: Bearer <token> with a token from API_TOKENS.");
      const presented = digest(match[1] ?? "");
      let user: string | undefined;
      for (const entry of known) if (timingSafeEqual(entry.hash, presented)) user = entry.user;
      if (!user) return refuse(address, "The API token is not valid.");
      return { identity: user, permissions: [], is_authenticated: true, display_name: user };
    })
    .on("store", ({ user, value }) => {
      const namespace = (value as { namespace?: unknown }).namespace;
      if (Array.isArray(namespace) && namespace[0] !== user.identity) {
        throw new HTTPException(403, { message: `Store namespaces of this user start with "${user.identity}".` });
      }
    })
    .on("*", ({ user, value, action }) => {
      if (action === "create" || action === "create_run") {
        const record = value as { metadata?: Record<string, unknown> | null };
        record.metadata = { ...(record.metadata ?? {}), [OWNER_KEY]: user.identity };
      }
      // With no tokens there is one user, who owns everything: no filter, so a server that does not
      // know SHARES_SYSTEM_ASSISTANTS (LangGraph's in-memory dev server behind `npm run studio`)
      // still lists the assistants it registered from langgraph.json.
      if (current().known.length === 0) return undefined;
      return { [OWNER_KEY]: user.identity };
    });
  return Object.assign(auth, { [SHARES_SYSTEM_ASSISTANTS]: true });
}
