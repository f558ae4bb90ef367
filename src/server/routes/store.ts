import { handleAuthEvent, type AuthContext } from "@langchain/langgraph-api/auth";
import type { BaseStore, Item, MatchCondition, Operation } from "@langchain/langgraph-checkpoint";
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { ValidationError, WellnessError } from "../../errors.js";
import { validate } from "../validate.js";

/** The store events of LangGraph's auth (`Auth.on("store:put", ...)` and friends). */
export type StoreAuthEvent = "store:put" | "store:get" | "store:search" | "store:list_namespaces" | "store:delete";

export interface StoreRouteDependencies {
  /**
   * The caller's store: a view that holds only the authenticated caller's items (e.g.
   * `redisStore.forOwner(userOf(context))`). Ownership is enforced there, not in these routes.
   */
  storeFor: (context: Context) => BaseStore | Promise<BaseStore>;
  /**
   * Runs the custom auth handler for a store event before the store is touched (it may throw an
   * HTTPException, e.g. 403). Defaults to the official server's `handleAuthEvent` with the
   * request's `auth` variable, which does nothing when no custom auth is registered.
   */
  authorize?: (context: Context, event: StoreAuthEvent, value: Record<string, unknown>) => Promise<void>;
}

const labels = z.array(z.string().describe("one namespace label")).describe("namespace labels, outermost first");
const limit = (fallback: number) => z.number().int().min(0).max(10_000).nullish().transform((value) => value ?? fallback);

const putBody = z.object({
  namespace: labels,
  key: z.string().describe("the item's key within its namespace"),
  value: z.record(z.string(), z.unknown()).describe("the item's value, a JSON object"),
  index: z
    .union([z.literal(false), z.array(z.string())])
    .nullish()
    .describe("field paths to embed for semantic search, false for none, absent for the store's default"),
  ttl: z.number().positive().nullish().describe("minutes until the item expires; null for never, absent for the store's default"),
});

const getQuery = z.object({
  namespace: z
    .string()
    .optional()
    .transform((value) => value?.split(".") ?? [])
    .describe("namespace labels joined with '.'"),
  key: z.string().describe("the item's key"),
  refresh_ttl: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? undefined : ["true", "1", "yes"].includes(value.toLowerCase())))
    .describe("whether to push the item's expiry out"),
});

const deleteBody = z.object({
  namespace: labels.optional(),
  key: z.string().describe("the item's key"),
});

const searchBody = z.object({
  namespace_prefix: labels.describe("search under this namespace prefix"),
  filter: z.record(z.string(), z.unknown()).nullish().describe("conditions on the value's fields ($eq, $ne, $gt, $gte, $lt, $lte, $in, $nin)"),
  limit: limit(10).describe("items to return"),
  offset: limit(0).describe("items to skip"),
  query: z.string().nullish().describe("text to rank by meaning, when the store has an index"),
  refresh_ttl: z.boolean().nullish().describe("whether to push the returned items' expiry out"),
});

const listBody = z.object({
  prefix: labels.nullish().describe("namespaces starting with these labels ('*' matches any one)"),
  suffix: labels.nullish().describe("namespaces ending with these labels ('*' matches any one)"),
  max_depth: z.number().int().min(1).nullish().describe("truncate namespaces to this many labels"),
  limit: limit(100).describe("namespaces to return"),
  offset: limit(0).describe("namespaces to skip"),
});

/** Store errors and their status: bad input the client can fix, as the official server answers it. */
const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  ERR_INVALID_NAMESPACE: 422,
  ERR_INVALID_ID: 422,
  ERR_VALIDATION: 400,
  ERR_EMBEDDING_UNAVAILABLE: 503,
};

/** The official routes' namespace check, with their status codes (400 empty, 422 bad label). */
function checkNamespace(namespace: readonly string[]): void {
  if (namespace.length === 0) throw new HTTPException(400, { message: "Namespace is required" });
  for (const label of namespace) {
    if (!label || label.includes(".")) {
      throw new HTTPException(422, { message: `Namespace labels cannot be empty or contain periods. Received: ${namespace.join(".")}` });
    }
  }
}

/** An item as the API returns it: snake_case times, `score` only when ranked. */
function toApi(item: Item | null): Record<string, unknown> | null {
  if (!item) return null;
  const { createdAt, updatedAt, ...rest } = item;
  return { ...rest, created_at: createdAt, updated_at: updatedAt };
}

async function body(context: Context): Promise<unknown> {
  try {
    return await context.req.json();
  } catch (error) {
    throw new ValidationError("The request body is not valid JSON.", { cause: error });
  }
}

const officialAuthorize = async (context: Context, event: StoreAuthEvent, value: Record<string, unknown>): Promise<void> => {
  const auth = (context as Context<{ Variables: { auth?: AuthContext } }>).get("auth");
  await handleAuthEvent(auth, event, value as never);
};

/**
 * LangGraph's store API (`client.store.*` of @langchain/langgraph-sdk) over any `BaseStore`: the
 * official server's routes, request and response shapes and status codes (PUT, GET and DELETE
 * /store/items, POST /store/items/search, POST /store/namespaces), plus the TTL fields the SDK
 * sends (`ttl` on put, `refresh_ttl` on get and search) and per-item `index`. Mount it at "/".
 *
 * @example
 * ```ts
 * const store = new RedisStore({ client, keys, owner: "default" });
 * app.route("/", createStoreRoutes({ storeFor: (context) => store.forOwner(userOf(context)) }));
 * await new Client({ apiUrl }).store.putItem(["notes"], "n1", { text: "hello" });
 * ```
 */
export function createStoreRoutes({ storeFor, authorize = officialAuthorize }: StoreRouteDependencies): Hono {
  const run = async <T>(context: Context, operation: Operation): Promise<T> => {
    const store = await storeFor(context);
    const [result] = await store.batch([operation]);
    return result as T;
  };

  return new Hono()
    .put("/store/items", async (context) => {
      const payload = validate(putBody, await body(context), "body");
      checkNamespace(payload.namespace);
      await authorize(context, "store:put", { namespace: payload.namespace, key: payload.key, value: payload.value });
      await run(context, {
        namespace: payload.namespace,
        key: payload.key,
        value: payload.value,
        ...(payload.index === undefined || payload.index === null ? {} : { index: payload.index }),
        ...(payload.ttl === undefined ? {} : { ttl: payload.ttl }),
      });
      return context.body(null, 204);
    })
    .get("/store/items", async (context) => {
      const payload = validate(getQuery, context.req.query(), "query");
      await authorize(context, "store:get", { namespace: payload.namespace, key: payload.key });
      const item = await run<Item | null>(context, {
        namespace: payload.namespace,
        key: payload.key,
        ...(payload.refresh_ttl === undefined ? {} : { refreshTtl: payload.refresh_ttl }),
      });
      return context.json(toApi(item));
    })
    .delete("/store/items", async (context) => {
      const payload = validate(deleteBody, await body(context), "body");
      if (payload.namespace) checkNamespace(payload.namespace);
      await authorize(context, "store:delete", { namespace: payload.namespace, key: payload.key });
      await run(context, { namespace: payload.namespace ?? [], key: payload.key, value: null });
      return context.body(null, 204);
    })
    .post("/store/items/search", async (context) => {
      const payload = validate(searchBody, await body(context), "body");
      checkNamespace(payload.namespace_prefix);
      await authorize(context, "store:search", {
        namespace: payload.namespace_prefix,
        filter: payload.filter,
        limit: payload.limit,
        offset: payload.offset,
        query: payload.query,
      });
      const items = await run<Item[]>(context, {
        namespacePrefix: payload.namespace_prefix,
        limit: payload.limit,
        offset: payload.offset,
        ...(payload.filter ? { filter: payload.filter } : {}),
        ...(payload.query ? { query: payload.query } : {}),
        ...(payload.refresh_ttl === undefined || payload.refresh_ttl === null ? {} : { refreshTtl: payload.refresh_ttl }),
      });
      return context.json({ items: items.map(toApi) });
    })
    .post("/store/namespaces", async (context) => {
      const payload = validate(listBody, await body(context), "body");
      if (payload.prefix) checkNamespace(payload.prefix);
      if (payload.suffix) checkNamespace(payload.suffix);
      await authorize(context, "store:list_namespaces", {
        namespace: payload.prefix,
        suffix: payload.suffix,
        max_depth: payload.max_depth,
        limit: payload.limit,
        offset: payload.offset,
      });
      const matchConditions: MatchCondition[] = [];
      if (payload.prefix) matchConditions.push({ matchType: "prefix", path: payload.prefix });
      if (payload.suffix) matchConditions.push({ matchType: "suffix", path: payload.suffix });
      const namespaces = await run<string[][]>(context, {
        matchConditions: matchConditions.length > 0 ? matchConditions : undefined,
        ...(payload.max_depth ? { maxDepth: payload.max_depth } : {}),
        limit: payload.limit,
        offset: payload.offset,
      });
      return context.json({ namespaces });
    })
    .onError((error, context) => {
      if (error instanceof HTTPException) return error.getResponse();
      const status = error instanceof WellnessError ? STATUS_BY_CODE[error.code] : undefined;
      if (error instanceof WellnessError && status !== undefined) return context.json({ error: { code: error.code, message: error.message } }, status);
      throw error;
    });
}
