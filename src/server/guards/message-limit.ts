import type { MiddlewareHandler } from "hono";
import { ValidationError } from "../../errors.js";
import { inspectableJson } from "./json-body.js";
import { refuse } from "./refuse.js";

export interface MessageLimitOptions {
  /** Longest message accepted, in characters. */
  maxChars: number;
  /** The setting that raises the limit, named in the 400 (default MAX_MESSAGE_CHARS). */
  variable?: string;
}

/** Characters of a message's content: a string, or content parts whose `text` counts. */
function contentLength(content: unknown): number {
  if (typeof content === "string") return content.length;
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const part of content) {
    if (typeof part === "string") total += part.length;
    else if (part !== null && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") total += (part as { text: string }).text.length;
  }
  return total;
}

/** The longest message in a body: the app's `message`, or LangGraph's `input.messages[].content`. */
export function longestMessage(body: unknown): number {
  if (body === null || typeof body !== "object") return 0;
  let longest = contentLength((body as { message?: unknown }).message);
  const input = (body as { input?: unknown }).input;
  const messages = input !== null && typeof input === "object" ? (input as { messages?: unknown }).messages : undefined;
  if (Array.isArray(messages)) {
    for (const message of messages) {
      if (message !== null && typeof message === "object") longest = Math.max(longest, contentLength((message as { content?: unknown }).content));
    }
  }
  return longest;
}

/**
 * Refuses a chat message longer than the limit with 400 ERR_VALIDATION naming the limit and the
 * variable that raises it, before the message reaches a model or a checkpoint. Looks at the app's
 * `{ message }` and at LangGraph's `{ input: { messages: [{ content }] } }`. Mount it behind
 * {@link jsonBodyLimit}, which reads and parses the body once.
 *
 * @example
 * ```ts
 * app.use("/runs/*", jsonBodyLimit({ maxBytes }), messageLimit({ maxChars: config.limits.messageChars }));
 * ```
 */
export function messageLimit(options: MessageLimitOptions): MiddlewareHandler {
  const { maxChars } = options;
  const variable = options.variable ?? "MAX_MESSAGE_CHARS";
  return async (context, next) => {
    const length = longestMessage(inspectableJson(context, "messageLimit"));
    if (length > maxChars) {
      return refuse(context, new ValidationError(`The message is ${length} characters long, over the limit of ${maxChars}; send a shorter one, or raise ${variable} on the server.`));
    }
    await next();
  };
}
