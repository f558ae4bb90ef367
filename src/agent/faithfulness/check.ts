import { collectEvidence, type EvidenceSources } from "./evidence.js";
import { extractNumbers, type StatedNumber } from "./extract.js";
import { isSupported } from "./match.js";

/** How a turn's answer fared: every number supported, corrected by one regeneration, or sent flagged. */
export type FaithfulnessStatus = "supported" | "corrected" | "flagged";

/**
 * The numeric check of one turn's answer, kept in graph state, sent in the chat `done` event and
 * recorded with the run. `unsupported` are the numbers (as written) the first answer could not
 * support; `flagged` those still unsupported in the answer sent, each marked in its text.
 */
export interface FaithfulnessResult {
  status: FaithfulnessStatus;
  /** Numbers stated in the answer sent. */
  checked: number;
  unsupported: string[];
  flagged: string[];
}

export interface NumberCheck {
  stated: StatedNumber[];
  unsupported: StatedNumber[];
}

/** The marker put after a number the sources do not support. */
export const UNVERIFIED_MARKER = "[unverified]";

/**
 * Extracts the numbers an answer states and keeps those the turn's sources do not support.
 *
 * @example
 * ```ts
 * checkNumbers("You averaged 9,412 steps.", { toolResults: ['{"avg":7120}'], memoryContext: "", question: "" }).unsupported.map((n) => n.text);
 * // ["9,412 steps"]
 * ```
 */
export function checkNumbers(answer: string, sources: EvidenceSources): NumberCheck {
  const stated = extractNumbers(answer.replaceAll(UNVERIFIED_MARKER, " ".repeat(UNVERIFIED_MARKER.length)));
  if (stated.length === 0) return { stated, unsupported: [] };
  const evidence = collectEvidence(sources);
  return { stated, unsupported: stated.filter((each) => !isSupported(each, evidence)) };
}

/** The answer with each unsupported number followed by the visible marker. */
export function markUnsupported(answer: string, unsupported: readonly StatedNumber[]): string {
  let marked = answer;
  const ends = [...new Set(unsupported.map((each) => each.end))].sort((a, b) => b - a);
  for (const end of ends) {
    marked = `${marked.slice(0, end)} ${UNVERIFIED_MARKER}${marked.slice(end)}`;
  }
  return marked;
}
