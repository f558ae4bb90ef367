import { ValidationError } from "../errors.js";

const STREAM_ID = /^(\d{1,20})(?:-(\d{1,20}))?$/u;

/**
 * Checks a stream id a client sent (Last-Event-ID, `--after`) before it reaches XRANGE: digits,
 * optionally `-` and a sequence number. "0" means "from the beginning".
 *
 * @throws {ValidationError} naming the accepted form.
 */
export function parseStreamId(value: string): string {
  const match = STREAM_ID.exec(value.trim());
  if (!match) throw new ValidationError(`'${value.slice(0, 40)}' is not an event id; send an id from an earlier event (like 1718000000000-0), or 0 for every stored event.`);
  return `${match[1]}-${match[2] ?? "0"}`;
}

/** Orders two stream ids ("ms-seq") numerically: negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = "0", aSeq = "0"] = a.split("-");
  const [bMs = "0", bSeq = "0"] = b.split("-");
  const byMs = BigInt(aMs) - BigInt(bMs);
  if (byMs !== 0n) return byMs < 0n ? -1 : 1;
  const bySeq = BigInt(aSeq) - BigInt(bSeq);
  return bySeq === 0n ? 0 : bySeq < 0n ? -1 : 1;
}

/** The time part of a stream id: when Redis appended the entry (ms since the epoch). */
export function streamIdTime(id: string): number {
  return Number(id.split("-")[0]);
}
