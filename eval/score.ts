import { collectEvidence, extractNumbers, isSupported, UNVERIFIED_MARKER } from "../src/agent/faithfulness/index.js";
import type { EvalCase, ExpectedFact } from "./cases.js";

/**
 * Whether an answer holds a fact: a number it states matches the fact's value after rounding to
 * the precision the answer wrote it with, in any unit of its dimension (the same matcher the
 * faithfulness check uses, with the fact as the only source; either end of a range counts); a
 * date or time of day it states
 * matches; or the phrase pattern is found.
 */
export function holdsFact(answer: string, fact: ExpectedFact): boolean {
  if ("pattern" in fact) return fact.pattern.test(answer);
  const source = "value" in fact ? JSON.stringify(fact.value) : JSON.stringify({ at: "date" in fact ? fact.date : `2000-01-01T${fact.time}:00` });
  const evidence = collectEvidence({ toolResults: [source], memoryContext: "", question: "" });
  const stated = extractNumbers(answer.replaceAll(UNVERIFIED_MARKER, "")).flatMap((each) =>
    each.kind === "range" && each.high !== undefined ? [{ ...each, kind: "number" as const }, { ...each, kind: "number" as const, value: each.high }] : [each],
  );
  const kinds = "value" in fact ? ["number", "duration", "range"] : "date" in fact ? ["date"] : ["time"];
  return stated.some((each) => kinds.includes(each.kind) && isSupported(each, evidence));
}

export interface AnswerScore {
  toolsOk: boolean;
  factsFound: number;
  missing: string[];
}

/** Tool selection is right when the set of tools called equals the set expected; facts are counted. */
export function scoreAnswer(evalCase: EvalCase, answer: string, toolsCalled: readonly string[]): AnswerScore {
  const called = new Set(toolsCalled);
  const toolsOk = called.size === evalCase.tools.length && evalCase.tools.every((name) => called.has(name));
  const missing = evalCase.facts.filter((fact) => !holdsFact(answer, fact)).map((fact) => fact.label);
  return { toolsOk, factsFound: evalCase.facts.length - missing.length, missing };
}
