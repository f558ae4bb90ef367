import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/index.js";
import { BackgroundWrites } from "../../src/redis/background-writes.js";

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: () => undefined, info: (line) => lines.push(`info ${line}`), warn: (line) => lines.push(`warn ${line}`), error: (line) => lines.push(`error ${line}`) };
}

describe("BackgroundWrites", () => {
  it("logs an outage once and its end once, however many writes fail in between", async () => {
    const log = recordingLog();
    const writes = new BackgroundWrites({ name: "test writes", log });
    writes.run(() => {
      throw new Error("thrown before a promise");
    });
    for (let i = 0; i < 50; i++) writes.run(() => Promise.reject(new Error("connection refused")));
    await writes.drain();
    for (let i = 0; i < 5; i++) writes.run(() => Promise.resolve("ok"));
    await writes.drain();
    writes.run(() => Promise.reject(new Error("down again")));
    await writes.drain();
    expect(log.lines).toEqual([
      expect.stringMatching(/^warn test writes: a write failed \(thrown before a promise\); further failures are not logged/u),
      "info test writes: Redis writes work again.",
      expect.stringMatching(/^warn test writes: a write failed \(down again\)/u),
    ]);
    expect(writes.stats()).toEqual({ inFlight: 0, dropped: 0, failed: 52 });
  });

  it("drops what does not fit in flight instead of queueing it", async () => {
    const writes = new BackgroundWrites({ name: "bounded", maxInFlight: 3 });
    const release: (() => void)[] = [];
    let started = 0;
    for (let i = 0; i < 10; i++) {
      writes.run(
        () =>
          new Promise<void>((resolve) => {
            started++;
            release.push(resolve);
          }),
      );
    }
    expect(started).toBe(3);
    expect(writes.stats()).toEqual({ inFlight: 3, dropped: 7, failed: 0 });
    for (const resolve of release) resolve();
    await writes.drain();
    expect(writes.stats().inFlight).toBe(0);
  });
});
