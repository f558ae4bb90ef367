import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { FOLLOWED, HELPED, type Adherence, type Intervention } from "../memory/interventions.js";

/** What a message says about advice: followed or not, helped or not. */
export type AdherenceReading = Pick<Adherence, "followed" | "helped">;

// One apostrophe class for "didn't", "didn’t" and "didnt".
const A = "['’]?";
const NEGATION = `(?:didn${A}t|did not|haven${A}t|have not|hadn${A}t|never|couldn${A}t|could not|wasn${A}t able to|weren${A}t able to|forgot to|failed to|not)`;

const NOT_HELPED = new RegExp(
  [
    `\\b(?:didn${A}t|did not|doesn${A}t|does not|hasn${A}t|has not|won${A}t|isn${A}t|wasn${A}t|not)\\s+(?:really\\s+|seem to\\s+|seemed to\\s+)?(?:help|helping|helped|work|working|change anything|make (?:a|any|much of a) difference|do (?:anything|much)|improve)`,
    "\\b(?:no|zero) (?:difference|change|effect|improvement)\\b",
    "\\bmade no difference\\b",
    "\\bnothing changed\\b",
    "\\b(?:useless|pointless)\\b",
    "\\bgot worse\\b|\\bmade (?:it|things) worse\\b",
  ].join("|"),
  "iu",
);

const HELPED_YES = new RegExp(
  [
    "\\b(?:that|it|this|which) (?:really |actually |definitely )?(?:worked|works|helped|helps|did the trick|made a (?:big |real |huge )?difference)\\b",
    "\\b(?:worked|helped) (?:great|well|a lot|wonders)\\b",
    "\\b(?:feel|feeling|sleeping|sleep) (?:much |a lot |way )?better\\b",
    "\\bpaid off\\b",
    "\\bgreat advice\\b|\\bgood (?:tip|advice|call)\\b",
  ].join("|"),
  "iu",
);

const NOT_FOLLOWED = new RegExp(
  [
    `\\b${NEGATION}\\s+(?:really\\s+|even\\s+|(?:get|got) (?:around|a chance) to\\s+)?(?:do|doing|try|tried|trying|follow|followed|start|started|manage|managed|stick|stuck|get to)\\b`,
    `\\bdidn${A}t do it\\b`,
    "\\bskipped (?:it|that|them)\\b",
    "\\bgave up\\b",
    "\\b(?:forgot|failed) (?:to|about)\\b",
    "\\bnot (?:yet )?tried\\b",
    "\\bno time (?:to|for)\\b",
  ].join("|"),
  "iu",
);

const PARTLY = /\b(?:sometimes|some days|some nights|partly|partially|a few times|a couple of times|on and off|half the time|here and there|not every day|most days|most nights)\b/iu;

const FOLLOWED_YES = new RegExp(
  [
    "\\bI (?:tried|did|followed|started|kept|stuck|managed|went|walked|cut|added|began)\\b",
    "\\bI(?:['’]ve| have) been (?:doing|trying|going|walking|following|sticking|cutting)\\b",
    "\\btried (?:it|that|this|them)\\b",
    "\\bdid (?:it|that|this)\\b",
    "\\bgave it a (?:try|go|shot)\\b",
    "\\bstuck (?:to|with) (?:it|that)\\b",
    "\\bdone (?:it|that)\\b",
  ].join("|"),
  "iu",
);

/** Words that make it worth asking whether a message talks about past advice at all. */
const CUES = /\b(?:tried|trying|didn|did (?:it|that|this)|done (?:it|that)|followed|stuck|stick(?:ing)? (?:to|with)|skipped|gave (?:up|it a)|worked|works|helped|helps|helping|difference|managed|advice|suggestion|tip|forgot|never got)\b/iu;

/** Whether a message may report on advice (cheap; gates the model's judgement). */
export function mentionsAdvice(message: string): boolean {
  return CUES.test(message);
}

/**
 * Keyword rules for what a message says about advice the user got: "I tried it, it didn't
 * help" is followed/not helped, "didn't do it" not followed, "that worked" followed/helped.
 * Saying whether it helped implies it was followed, unless the message says it was not.
 * Undefined when the message says neither.
 */
export function readAdherence(message: string): AdherenceReading | undefined {
  const helped = NOT_HELPED.test(message) ? "no" : HELPED_YES.test(message) ? "yes" : "unknown";
  const notFollowed = NOT_FOLLOWED.test(message);
  const followed = notFollowed
    ? "no"
    : PARTLY.test(message) && (FOLLOWED_YES.test(message) || helped !== "unknown")
      ? "partly"
      : FOLLOWED_YES.test(message) || helped !== "unknown"
        ? "yes"
        : "unknown";
  if (followed === "unknown" && helped === "unknown") return undefined;
  return { followed, helped: followed === "no" && helped === "no" ? "unknown" : helped };
}

/** The model's reading of a message against the advice the user recently got. */
export const AdherenceJudgement = z.object({
  items: z
    .array(
      z.object({
        intervention_id: z.string().describe("The id of the advice the user is talking about, from the list given"),
        followed: z.enum(FOLLOWED).describe("Whether the user says they followed the advice"),
        helped: z.enum(HELPED).describe("Whether the user says it helped"),
      }),
    )
    .describe("One item per piece of advice the message reports on; empty if it reports on none"),
});

const JUDGE_PROMPT =
  "The assistant gave this user the advice listed below (id: advice). Read the user's message and say which advice it reports on, whether the user followed it (yes, no, partly, unknown) and whether it helped (yes, no, unknown). Return an empty list when the message does not talk about any of this advice.";

/**
 * Asks the chat model (structured output) which recent advice a message reports on and how.
 *
 * @example
 * ```ts
 * const judge = new AdherenceJudge(chatModel);
 * await judge.judge("Going to bed earlier didn't change a thing", recent); // [{ intervention_id, followed: "yes", helped: "no" }]
 * ```
 */
export class AdherenceJudge {
  private readonly runnable;

  constructor(model: BaseChatModel) {
    this.runnable = model.withStructuredOutput(AdherenceJudgement, { name: "adherence_judgement" });
  }

  async judge(message: string, recent: readonly Intervention[]): Promise<z.infer<typeof AdherenceJudgement>["items"]> {
    const list = recent.map((each) => `${each.id}: ${each.suggestion} (${each.date})`).join("\n");
    const reply = AdherenceJudgement.parse(await this.runnable.invoke([new SystemMessage(`${JUDGE_PROMPT}\n\n${list}`), new HumanMessage(message)]));
    const known = new Set(recent.map((each) => each.id));
    return reply.items.filter((item) => known.has(item.intervention_id));
  }
}
