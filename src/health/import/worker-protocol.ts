/**
 * What the reader and the parse worker say to each other, and the claim words in their shared
 * memory that decide who parses a segment (see {@link readExportInWorker}).
 */
import type { SegmentResult } from "./segment.js";

/**
 * The memory both threads share: segment slots, and per slot who claimed
 * the segment in it (see {@link claimOf}). Sent once; segments then travel as slot numbers.
 */
export interface SharedSegments {
  memory: SharedArrayBuffer;
  claims: SharedArrayBuffer;
  /** Bytes per slot: slot `n` starts at `n * slotBytes`. */
  slotBytes: number;
}

/** For the parse worker: the shared memory first, then segments to parse if still unclaimed, each with batch arrays to reuse (transferred). */
export type WorkerRequest =
  | { kind: "memory"; shared: SharedSegments }
  | { kind: "segment"; seq: number; slot: number; length: number; final: boolean; spare: Float64Array[] };

/** From the parse worker: that it has started, then for each segment its result, or that the reader took it back first. */
export type WorkerReply = { kind: "ready" } | { kind: "segment"; seq: number; result: SegmentResult } | { kind: "taken"; seq: number };

/** Claim states of a slot, with the segment's number: so a stale request can never claim a reused slot. */
export const UNCLAIMED = 0;
export const BY_WORKER = 1;
export const BY_THREAD = 2;

/** The value of a slot's claim word for segment `seq` in `state`. */
export function claimOf(seq: number, state: number): number {
  return ((seq * 4) | 0) + state;
}
