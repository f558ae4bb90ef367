import { Serializable } from "@langchain/core/load/serializable";
import { BaseMessage } from "@langchain/core/messages";

/**
 * Whether a message class serializes its constructor fields under their own names: every
 * `lc_aliases` entry of its prototype chain maps a field to itself, and it declares no
 * `lc_secrets` or `lc_attributes`. True of every message class of @langchain/core; decided once
 * per class (LangChain builds these maps anew for each message it serializes).
 */
const plainClasses = new WeakMap<object, boolean>();

/** Keys that LangChain's snake_case mapping leaves as they are. */
const SNAKE_CASE = /^[a-z0-9]+(?:_[a-z0-9]+)*$/u;

/** Most nesting a field value may have and still take the direct path (deeper goes through toDict). */
const MAX_DEPTH = 16;

function isEmptyOrUndefined(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "object" && Object.keys(value).length === 0);
}

function plainClass(message: BaseMessage): boolean {
  const type = message.constructor;
  let plain = plainClasses.get(type);
  if (plain === undefined) {
    plain = true;
    for (let current: object | null = Object.getPrototypeOf(message) as object | null; current && plain; current = Object.getPrototypeOf(current) as object | null) {
      const aliases = (Reflect.get(current, "lc_aliases", message) ?? {}) as Record<string, unknown>;
      plain =
        Object.entries(aliases).every(([field, alias]) => field === alias) &&
        isEmptyOrUndefined(Reflect.get(current, "lc_secrets", message)) &&
        isEmptyOrUndefined(Reflect.get(current, "lc_attributes", message));
    }
    plainClasses.set(type, plain);
  }
  return plain;
}

/**
 * Whether LangChain's escaping (`escapeIfNeeded`, which wraps objects that could pass for
 * serialized LangChain objects) would leave a value as it is: primitives, and arrays and plain
 * objects of them, none with an `lc` or own `__proto__` key or shaped like an escaped object, and
 * no cycles (bounded by depth). Class instances (a Date, a nested message) are not: LangChain treats those its own way.
 */
function escapeFree(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== "object") return true;
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.every((item) => escapeFree(item, depth + 1));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  const keys = Object.keys(value);
  // An own "__proto__" key (JSON.parse makes one): LangChain's copy drops it, a plain copy would set the prototype.
  if ("lc" in value || (keys.length === 1 && keys[0] === "__lc_escaped__") || Object.hasOwn(value, "__proto__")) return false;
  return keys.every((key) => escapeFree((value as Record<string, unknown>)[key], depth + 1));
}

/**
 * A LangChain message as the API sends it, `{ ...toDict().data, type }`, built from its fields
 * directly. `toDict` serializes the message as a LangChain constructor object first (walking its
 * class chain for aliases, secrets and attributes, escaping every value, renaming every key),
 * which on a turn's answer streamed token by token is most of what publishing a token costs.
 * Undefined, so the caller goes through `toDict`, whenever the result could differ: a class that
 * overrides serialization or renames, hides or adds fields; a key that snake_case would rename;
 * a value LangChain would escape or treat as an object of its own.
 */
export function plainMessageFields(value: unknown): Record<string, unknown> | undefined {
  if (!(value instanceof BaseMessage)) return undefined;
  const message = value as BaseMessage & Record<string, unknown>;
  if (message.toDict !== BaseMessage.prototype.toDict || message.toJSON !== Serializable.prototype.toJSON || !message.lc_serializable) return undefined;
  const kwargs = message.lc_kwargs as unknown;
  if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs) || kwargs instanceof Serializable || !plainClass(message)) return undefined;
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(kwargs)) {
    if (!SNAKE_CASE.test(key)) return undefined;
    const field = key in message ? message[key] : (kwargs as Record<string, unknown>)[key];
    if (!escapeFree(field, 0)) return undefined;
    fields[key] = field;
  }
  fields.type = message.getType();
  return fields;
}
