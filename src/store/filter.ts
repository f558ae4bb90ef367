/**
 * Item filters with the operators of LangGraph's InMemoryStore: a plain value matches by strict
 * equality; an object of operators ($eq, $ne, $gt, $gte, $lt, $lte, $in, $nin) must satisfy every
 * operator, with the same numeric coercion for the ordering ones. Beyond InMemoryStore, an object
 * without operators matches a nested object field by field, and $eq/$ne/$in/$nin compare objects
 * and arrays by value, so a filter on structured values means what it says.
 */

const OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && Object.keys(value).every((key) => OPERATORS.has(key));
}

/** Own property only: a filter on "__proto__" or "constructor" never reaches the prototype. */
function field(value: unknown, name: string): unknown {
  return isRecord(value) && Object.hasOwn(value, name) ? value[name] : undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

function satisfies(actual: unknown, operator: string, expected: unknown): boolean {
  switch (operator) {
    case "$eq":
      return deepEqual(actual, expected);
    case "$ne":
      return !deepEqual(actual, expected);
    case "$gt":
      return Number(actual) > Number(expected);
    case "$gte":
      return Number(actual) >= Number(expected);
    case "$lt":
      return Number(actual) < Number(expected);
    case "$lte":
      return Number(actual) <= Number(expected);
    case "$in":
      return Array.isArray(expected) && expected.some((candidate) => deepEqual(actual, candidate));
    case "$nin":
      return !Array.isArray(expected) || !expected.some((candidate) => deepEqual(actual, candidate));
    default:
      return false;
  }
}

function matchesValue(actual: unknown, expected: unknown): boolean {
  if (isOperatorObject(expected)) return Object.entries(expected).every(([operator, operand]) => satisfies(actual, operator, operand));
  if (isRecord(expected)) return isRecord(actual) && Object.entries(expected).every(([name, nested]) => matchesValue(field(actual, name), nested));
  if (Array.isArray(expected)) return deepEqual(actual, expected);
  return actual === expected;
}

/** True when `value` satisfies every top-level condition of `filter`. */
export function matchesFilter(value: Record<string, unknown>, filter: Record<string, unknown> | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([name, expected]) => matchesValue(field(value, name), expected));
}
