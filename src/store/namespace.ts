import { InvalidIdError } from "../errors.js";
import { validateId } from "../redis/ids.js";
import { StoreNamespaceError } from "./errors.js";

/** What a namespace is used for: writes need a non-empty one outside the reserved root. */
export type NamespaceUse = "write" | "read" | "prefix";

/**
 * Checks a namespace as LangGraph's `validateNamespace` does (no empty, dotted or colon labels;
 * `langgraph` is a reserved root for writes) and, because labels reach Redis keys, as an id too.
 * Reads and prefixes may be empty (`search([])` means every namespace).
 */
export function validateNamespace(namespace: unknown, use: NamespaceUse): string[] {
  if (!Array.isArray(namespace)) throw new StoreNamespaceError("A namespace is a list of labels.");
  if (namespace.length === 0) {
    if (use === "write") throw new StoreNamespaceError("The namespace is empty; give at least one label.");
    return [];
  }
  for (const label of namespace as unknown[]) {
    if (typeof label !== "string" || label === "") throw new StoreNamespaceError(`Namespace label ${JSON.stringify(label)} is empty or not a string.`);
    if (label.includes(".") || label.includes(":")) throw new StoreNamespaceError(`Namespace label '${label.slice(0, 40)}' contains "." or ":".`);
    try {
      validateId("namespace label", label);
    } catch (error) {
      if (error instanceof InvalidIdError) throw new StoreNamespaceError(error.message);
      throw error;
    }
  }
  if (use === "write" && namespace[0] === "langgraph") throw new StoreNamespaceError('The root label "langgraph" is reserved.');
  return namespace as string[];
}

/** Checks an item key before it reaches a Redis key. */
export function validateItemKey(key: unknown): string {
  return validateId("store key", key);
}

/** A namespace as one string: labels hold no ".", so joining with "." is reversible. */
export function joinNamespace(namespace: readonly string[]): string {
  return namespace.join(".");
}

export function splitNamespace(joined: string): string[] {
  return joined.split(".");
}
