import type { Context } from "hono";

/** What the body-limit guard found in a request's body: parsed JSON, or bytes of another type. */
export type ReadBody = { kind: "json"; value: unknown } | { kind: "other" };

/** Bodies read by {@link jsonBodyLimit}, keyed by the request that carries their bytes onwards. */
const readBodies = new WeakMap<Request, ReadBody>();

/** Whether a Content-Type names JSON (application/json, application/*+json, with parameters). */
export function isJsonContentType(contentType: string | undefined): boolean {
  return /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/iu.test(contentType ?? "");
}

/** Records what the body of a request held, for the guards after the one that read it. */
export function rememberBody(request: Request, body: ReadBody): void {
  readBodies.set(request, body);
}

/**
 * What the body-limit guard read from the body of the request being served, so guards that look
 * inside the body read and parse it once, within its size limit. `undefined` when the request
 * has no body or never went through the body-limit guard.
 */
export function readBodyOf(context: Context): ReadBody | undefined {
  return readBodies.get(context.req.raw);
}

/**
 * The parsed JSON body for a guard that inspects it; `undefined` when the body is absent or not
 * JSON. A body that was never read by the body-limit guard is a wiring mistake, said plainly.
 */
export function inspectableJson(context: Context, guard: string): unknown {
  if (context.req.raw.body === null) return undefined;
  const read = readBodyOf(context);
  if (!read) throw new Error(`${guard} needs jsonBodyLimit mounted in front of it on ${context.req.path}`);
  return read.kind === "json" ? read.value : undefined;
}
