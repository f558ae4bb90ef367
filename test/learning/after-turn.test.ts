import { describe, expect, it } from "vitest";
import { AfterTurnTasks, type Logger } from "../../src/index.js";

describe("AfterTurnTasks", () => {
  it("starts nothing in the current tick, runs a few at a time, logs failures, and drain waits for every task (also ones queued meanwhile)", async () => {
    const warnings: string[] = [];
    const log: Logger = { debug: () => undefined, info: () => undefined, warn: (message) => void warnings.push(message), error: () => undefined };
    const tasks = new AfterTurnTasks({ concurrency: 2, log });
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const task = (id: number) => async () => {
      started.push(id);
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
      if (id === 3) tasks.run("late", () => Promise.resolve(started.push(99)));
      if (id === 4) throw new Error("redis went away");
    };
    for (let id = 0; id < 6; id++) tasks.run(`task ${id}`, task(id));
    expect(started).toEqual([]);
    expect(tasks.pending).toBe(6);
    await tasks.drain();
    expect(tasks.pending).toBe(0);
    expect([...started].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 99]);
    expect(most).toBe(2);
    expect(warnings).toEqual(["after the turn: task 4 failed (redis went away)"]);
    await tasks.drain();
  });
});
