import { AIMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { mayStateFacts, StatedFactsExtractor } from "../../src/learning/index.js";
import { ScriptedChatModel } from "../support/scripted-model.js";

describe("which messages the stated-facts extractor asks the model about", () => {
  it("skips questions and data requests, however they are phrased", () => {
    for (const question of [
      "How did I sleep last week?",
      "How many steps did I walk last week?",
      "What workouts did I do in the last 30 days?",
      "Do I work out consistently on Mondays?",
      "Compare my steps this week with last week",
      "show my heart rate for March",
      "Is my resting heart rate going down? And what about my HRV?",
      "I slept badly last night, why?",
      "I want to know how I slept",
    ]) {
      expect(mayStateFacts(question), question).toBe(false);
    }
  });

  it("asks about statements, and about questions that carry a goal or preference", () => {
    for (const statement of [
      "My goal is 10000 steps a day",
      "I want to sleep 8 hours a night",
      "I prefer evening workouts",
      "I'd like to lose 5 kg by June",
      "Can you always answer in kilometres?",
      "I'm training for a marathon. How far did I run last week?",
      "Keep answers short.",
      "I like short answers",
      "Thanks!",
    ]) {
      expect(mayStateFacts(statement), statement).toBe(true);
    }
  });

  it("does not call the model for a question, and does for a statement", async () => {
    const asked: string[] = [];
    const model = new ScriptedChatModel(
      () => new AIMessage("unused"),
      (text) => {
        asked.push(text);
        return { items: [{ type: "preference", description: "prefers evening workouts" }] };
      },
    );
    const extractor = new StatedFactsExtractor(model);
    expect(await extractor.extract("How did I sleep last week?")).toEqual([]);
    expect(await extractor.extract("I prefer evening workouts")).toEqual([{ type: "preference", description: "prefers evening workouts" }]);
    expect(asked).toEqual(["I prefer evening workouts"]);
  });
});
