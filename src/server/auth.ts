import type { Context } from "hono";
import { UnauthorizedError } from "../errors.js";

/** What the Agent Server's auth middleware leaves on a request (`c.var.auth`). */
export interface RequestAuth {
  user: { identity: string; is_authenticated?: boolean };
  scopes: string[];
}

/** Request variables the app reads: the caller, as the Agent Server's auth handler authenticated it. */
export interface AppEnv {
  Variables: { auth?: RequestAuth };
}

/**
 * The caller's user id, from the Agent Server's authentication of this request (the Auth handler
 * of langgraph.json, src/agent-server/auth.ts for the app), never from a body or query.
 * Unauthenticated requests (the public web page and /health) have no user.
 */
export function callerOf(context: Context): string {
  const auth = (context as Context<AppEnv>).get("auth");
  if (!auth || auth.user.is_authenticated === false || typeof auth.user.identity !== "string") throw new UnauthorizedError();
  return auth.user.identity;
}
