import { Hono, type Context } from "hono";

export interface MeRouteDependencies {
  userOf: (context: Context) => string;
  /** True when the server runs without API_TOKENS (one user, no sign-in). */
  singleUser: boolean;
}

/** GET /api/me: who the caller is, so the web app can show the user's name and whether tokens are in use. */
export function meRoutes({ userOf, singleUser }: MeRouteDependencies): Hono {
  return new Hono().get("/", (context) => context.json({ userId: userOf(context), tokens: !singleUser }));
}
