import { WellnessError } from "../errors.js";

/**
 * A store namespace that cannot be used: empty where one is required, or a label that is empty,
 * holds a "." or ":" (the official API joins labels with "."), starts with the reserved root
 * "langgraph" on a write, or would not be a valid id.
 */
export class StoreNamespaceError extends WellnessError {
  constructor(message: string) {
    super("ERR_INVALID_NAMESPACE", `${message} Namespace labels are non-empty strings of at most 128 characters without ".", ":", control characters or any of { } * ? [ ] \\.`);
  }
}
