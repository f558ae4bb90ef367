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

/** Orders two decimal numbers given as digits: as Numbers while exact (a stream id's parts are), else as BigInts. */
function compareDigits(a: string, b: string): number {
  if (a.length <= 15 && b.length <= 15) {
    const difference = Number(a) - Number(b);
    return difference === 0 ? 0 : difference < 0 ? -1 : 1;
  }
  const difference = BigInt(a) - BigInt(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/**
 * Orders two stream ids ("ms-seq") numerically: negative, zero or positive as `a` is before, equal
 * to or after `b`. Run-stream readers compare ids for every token they relay, so this allocates no
 * arrays.
 */
export function compareStreamIds(a: string, b: string): number {
  const aDash = a.indexOf("-");
  const bDash = b.indexOf("-");
  const byMs = compareDigits(aDash < 0 ? a : a.slice(0, aDash), bDash < 0 ? b : b.slice(0, bDash));
  if (byMs !== 0) return byMs;
  return compareDigits(aDash < 0 ? "0" : a.slice(aDash + 1), bDash < 0 ? "0" : b.slice(bDash + 1));
}

/** The time part of a stream id: when Redis appended the entry (ms since the epoch). */
export function streamIdTime(id: string): number {
  return Number(id.split("-")[0]);
}
