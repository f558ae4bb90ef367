import type { MiddlewareHandler } from "hono";
import { UnauthorizedError } from "../../src/errors.js";
import type { AppBindings } from "../../src/server/app.js";

/**
 * For tests that mount the app's routes without the Agent Server in front: what the server's auth
 * middleware would leave on the request for these bearer tokens (token -> user). The real
 * handler (src/agent-server/auth.ts) is tested through `wellness serve`.
 */
export function bearerAuth(tokens: ReadonlyMap<string, string>): MiddlewareHandler {
  return async (context, next) => {
    const token = /^Bearer\s+(\S+)$/iu.exec(context.req.header("authorization") ?? "")?.[1];
    const user = token === undefined ? undefined : tokens.get(token);
    if (user === undefined) {
      const error = new UnauthorizedError();
      return context.json({ error: { code: error.code, message: error.message } }, 401);
    }
    context.set("auth", { user: { identity: user, is_authenticated: true }, scopes: [] });
    await next();
  };
}

/** The `auth` binding for `app.request(path, init, as(user))`: the request comes from `user`. */
export function as(user: string): AppBindings {
  return { auth: { user: { identity: user, is_authenticated: true }, scopes: [] } };
}
