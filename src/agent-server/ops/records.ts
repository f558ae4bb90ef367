import { HTTPException } from "hono/http-exception";

/** A JSON object as the Agent Server API passes metadata, config and values. */
export type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null;

/**
 * Whether `superset` holds every key of `subset` with an equal value (objects compared
 * recursively), the way the official server matches metadata and values filters (Postgres'
 * `@>` on JSONB, top level and nested objects).
 */
export function containsJson(superset: unknown, subset: unknown): boolean {
  if (superset == null || subset == null) return true;
  if (!isObject(superset) || !isObject(subset)) return superset === subset;
  for (const [key, value] of Object.entries(subset)) {
    const present = superset[key];
    if (present == null) return false;
    if (isObject(value) && isObject(present)) {
      if (!containsJson(present, value)) return false;
    } else if (present !== value) {
      return false;
    }
  }
  return true;
}

/**
 * JSON with LangChain messages as dicts ({ ...data, type }), as the official server sends them in
 * responses and run streams (its serialiseAsDict); errors as { error, message }.
 */
export function apiJson(data: unknown): string {
  return JSON.stringify(data ?? null, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw != null && typeof raw === "object" && "toDict" in raw && typeof raw.toDict === "function") {
      const { type, data: fields } = (raw as { toDict: () => { type: string; data: Record<string, unknown> } }).toDict();
      return { ...fields, type };
    }
    if (raw instanceof Error) return { error: raw.name, message: raw.message };
    return value;
  });
}

/** Parses a stored JSON field; absent fields read as `fallback`. */
export function parseJson<T>(text: string | undefined | null, fallback: T): T {
  if (text === undefined || text === null || text === "") return fallback;
  return JSON.parse(text) as T;
}

/** The 404 every repository answers for a record that is absent or belongs to someone else. */
export function notFound(message: string): HTTPException {
  return new HTTPException(404, { message });
}

/** Milliseconds since the epoch as a Date (stored timestamps are ms strings). */
export function dateOf(ms: string | undefined): Date {
  return new Date(Number(ms ?? 0));
}
