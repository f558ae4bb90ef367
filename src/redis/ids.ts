import { InvalidIdError } from "../errors.js";

/** The longest id accepted in a key segment. */
export const MAX_ID_LENGTH = 128;

/**
 * Characters that would break the key schema: braces would move the cluster hash tag, glob
 * characters would let an id widen a SCAN pattern, and a backslash escapes inside patterns.
 */
const FORBIDDEN_CHARACTERS = /[{}*?[\]\\]/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * Checks an id (user, session, metric type, category, ...) before it becomes part of a Redis key.
 * Throws {@link InvalidIdError} naming `field`, so the caller's error says which input was wrong.
 */
export function validateId(field: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new InvalidIdError(field, `expected a string, got ${value === null ? "null" : typeof value}`);
  }
  if (value.length === 0) {
    throw new InvalidIdError(field, "it is empty");
  }
  if (value.length > MAX_ID_LENGTH) {
    throw new InvalidIdError(field, `it is ${value.length} characters long (at most ${MAX_ID_LENGTH})`);
  }
  if (CONTROL_CHARACTERS.test(value)) {
    throw new InvalidIdError(field, "it contains a control character");
  }
  const forbidden = FORBIDDEN_CHARACTERS.exec(value);
  if (forbidden) {
    throw new InvalidIdError(field, `it contains the character '${forbidden[0]}'`);
  }
  return value;
}

/** The same check as a predicate, for schemas that report their own message. */
export function isValidId(value: string): boolean {
  try {
    validateId("id", value);
    return true;
  } catch {
    return false;
  }
}
