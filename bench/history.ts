/**
 * What a stateful turn does with the whole conversation, by the conversation's length: the
 * history given to the model (the agent's `recentHistory` beside LangChain's `trimMessages`, which
 * it replaced), the checkpoint serde reading and writing the `messages` channel (LangGraph's
 * JsonPlusSerializer and the saver's MessageCachingSerializer, which remembers the messages it has
 * revived, beside plain JSON.parse and JSON.stringify of the same data), and the thread record's
 * `values` (the Agent Server writes them once per turn). In-process, no Redis: only the CPU that
 * grows with the thread. Threads are shaped like the agent's: per turn a question, a tool call, its JSON result
 * and an answer. Rounds interleave every operation and length; medians. Writes its table to
 * docs/benchmarks.md.
 *
 *   npm run bench:history
 */
import { AIMessage, HumanMessage, ToolMessage, trimMessages, type BaseMessage } from "@langchain/core/messages";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { approximateTokens, recentHistory } from "../src/agent/history.js";
import { MessageCachingSerializer } from "../src/checkpoint/index.js";
import { apiJson } from "../src/agent-server/ops/records.js";
import { machineDescription, writeBenchmarkSection } from "./report.js";
import { median } from "./turn-client.js";

const LENGTHS = (process.env.BENCH_HISTORY_TURNS ?? "5,20,40,80").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
/** The agent's default history budget (createStatefulGraph's historyTokenBudget). */
const BUDGET = 6_000;

/** A conversation of `turns` turns as the stateful agent leaves it in its state. */
function conversation(turns: number): BaseMessage[] {
  const messages: BaseMessage[] = [];
  for (let i = 0; i < turns; i++) {
    const call = `call_${i}`;
    const nights = Array.from({ length: 7 }, (_, day) => ({ date: `2026-11-${String(day + 1).padStart(2, "0")}`, hours: 6.8 + day / 10, deepHours: 1.1, remHours: 1.6 }));
    messages.push(new HumanMessage({ id: `human-${i}`, content: `How did I sleep last week compared with the week before? (${i})` }));
    messages.push(new AIMessage({ id: `ai-call-${i}`, content: "", tool_calls: [{ id: call, name: "get_sleep_summary", args: { start: "2026-11-01", end: "2026-11-07" } }], response_metadata: { model: "stand-in", done: true } }));
    messages.push(new ToolMessage({ id: `tool-${i}`, tool_call_id: call, name: "get_sleep_summary", content: JSON.stringify({ nights, averageHours: 7.1 }) }));
    messages.push(new AIMessage({ id: `ai-answer-${i}`, content: "You slept 7.1 hours a night on average last week, 0.3 hours more than the week before. ".repeat(3), response_metadata: { model: "stand-in", done: true } }));
  }
  return messages;
}

/** Milliseconds per call of `operation`, over enough calls to take about 20 ms. */
async function timePerCall(operation: () => unknown): Promise<number> {
  let calls = 1;
  for (;;) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) await operation();
    const elapsed = performance.now() - started;
    if (elapsed >= 20) return elapsed / calls;
    calls *= 2;
  }
}

async function main(): Promise<void> {
  const serde = new JsonPlusSerializer();
  const caching = new MessageCachingSerializer();
  const decoder = new TextDecoder();
  const threads = await Promise.all(
    LENGTHS.map(async (turns) => {
      const messages = conversation(turns);
      const [, bytes] = await serde.dumpsTyped(messages);
      const text = decoder.decode(bytes);
      const dicts = JSON.parse(text) as unknown;
      return { turns, messages, bytes, text, dicts };
    }),
  );
  const operations: Record<string, (thread: (typeof threads)[number]) => unknown> = {
    trimMessages: ({ messages }) => trimMessages(messages, { maxTokens: BUDGET, strategy: "last", startOn: "human", tokenCounter: (list: BaseMessage[]) => list.reduce((sum, message) => sum + approximateTokens(message), 0) }),
    recentHistory: ({ messages }) => recentHistory(messages, BUDGET),
    loads: ({ bytes }) => serde.loadsTyped("json", bytes),
    cachedLoads: ({ bytes }) => caching.loadsTyped("json", bytes),
    parse: ({ text }) => JSON.parse(text) as unknown,
    dumps: ({ messages }) => serde.dumpsTyped(messages),
    stringify: ({ dicts }) => JSON.stringify(dicts),
    apiJson: ({ messages }) => apiJson({ messages }),
  };
  const samples = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`round ${round + 1} of ${ROUNDS}\n`);
    for (const thread of round % 2 === 0 ? threads : [...threads].reverse()) {
      for (const [name, operation] of Object.entries(operations)) {
        const key = `${name}:${thread.turns}`;
        samples.set(key, [...(samples.get(key) ?? []), await timePerCall(() => operation(thread))]);
      }
    }
  }
  const ms = (name: string, turns: number) => median(samples.get(`${name}:${turns}`) ?? []);
  const rows = threads.map(({ turns, messages, bytes }) => {
    const cells = [
      `${turns} (${messages.length} messages, ${(bytes.length / 1024).toFixed(0)} KiB)`,
      ms("trimMessages", turns).toFixed(3),
      ms("recentHistory", turns).toFixed(3),
      `${(ms("recentHistory", turns) / ms("trimMessages", turns)).toFixed(3)}x`,
      ms("loads", turns).toFixed(2),
      `${(ms("loads", turns) / ms("parse", turns)).toFixed(0)}x`,
      ms("cachedLoads", turns).toFixed(2),
      `${(ms("cachedLoads", turns) / ms("loads", turns)).toFixed(2)}x`,
      ms("dumps", turns).toFixed(2),
      `${(ms("dumps", turns) / ms("stringify", turns)).toFixed(1)}x`,
      ms("apiJson", turns).toFixed(2),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  const body = [
    `${machineDescription()}. In-process, ${ROUNDS} interleaved rounds, medians of ms per call. A turn of the thread is a question, an AI message with one tool call, the tool's JSON result (a week of sleep) and a 250-character answer; the history budget is the agent's default (${BUDGET} approximate tokens).`,
    "",
    "| turns in the thread | trimMessages ms | recentHistory ms | recentHistory / trimMessages | JsonPlusSerializer loads ms | loads / JSON.parse | MessageCachingSerializer loads ms (messages seen before) | cached / JsonPlus | serde dumps ms | dumps / JSON.stringify | thread values (apiJson) ms |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Each model call of a stateful turn gets the history (`recentHistory`; before 24e3e3c, `trimMessages`). The run reads the thread's checkpoint once (`loads`; the saver's default serializer is MessageCachingSerializer, so only the previous turn's messages are new to it), writes it once when it ends (`dumps`, the turn executor's durability is `exit`), and the Agent Server writes the thread record's values once.",
  ].join("\n");
  writeBenchmarkSection("## A turn's work on the whole history (`npm run bench:history`)", body);
  process.stdout.write(`${body}\n`);
}

await main();
