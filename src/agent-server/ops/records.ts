import { HTTPException } from "hono/http-exception";
import { plainMessageFields } from "./message-fields.js";

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
 * A value as the official server sends it in responses and run streams (its serialiseAsDict), as
 * plain JSON data: LangChain messages as dicts ({ ...data, type }), errors as { error, message },
 * and everything else as JSON.stringify would have it. Run streams hand this to readers in the
 * same process, which therefore must not change it.
 */
export function apiValue(value: unknown, key = ""): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "object":
      break;
    case "bigint":
      throw new TypeError("A BigInt cannot be sent as JSON.");
    default:
      return undefined;
  }
  const object = value as { toDict?: () => { type: string; data: Record<string, unknown> }; toJSON?: (key: string) => unknown };
  if (typeof object.toDict === "function") {
    const fields = plainMessageFields(value);
    if (fields) return apiValue(fields);
    const { type, data } = object.toDict();
    return apiValue({ ...data, type });
  }
  if (value instanceof Error) return { error: value.name, message: value.message };
  if (typeof object.toJSON === "function") return apiValue(object.toJSON(key), key);
  if (Array.isArray(value)) return value.map((item: unknown, index) => apiValue(item, String(index)) ?? null);
  const plain: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const converted = apiValue(item, name);
    if (converted !== undefined) plain[name] = converted;
  }
  return plain;
}

/** {@link apiValue} as JSON text. */
export function apiJson(value: unknown): string {
  return JSON.stringify(apiValue(value) ?? null);
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
