import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { WellnessAgent } from "../agent/index.js";
import { loadConfig } from "../config.js";
import { WellnessError } from "../errors.js";
import { createLogger } from "../logger.js";
import { createRuntime, type WellnessRuntime } from "../runtime/runtime.js";
import { explainRedisDown } from "./connection.js";

export interface ChatOptions {
  user?: string;
  session?: string;
  message?: string;
  stateless?: boolean;
}

/** Streams one turn's answer to stdout as the model writes it. */
async function ask(agent: WellnessAgent, options: { sessionId: string; userId: string; stateless: boolean }, text: string): Promise<void> {
  const input = { messages: [new HumanMessage(text)] };
  const streamMode = ["messages"] as "messages"[];
  const stream = options.stateless
    ? await agent.statelessGraph.stream(input, { configurable: { userId: options.userId }, streamMode })
    : await agent.graph.stream(input, { configurable: { thread_id: options.sessionId, userId: options.userId }, streamMode });
  let started = false;
  for await (const [, payload] of stream) {
    const [message, metadata] = payload as [BaseMessage, { langgraph_node?: string }];
    if (metadata.langgraph_node === "agent" && message.getType() === "ai" && typeof message.content === "string" && message.content !== "") {
      process.stdout.write(started ? message.content : `agent> ${message.content}`);
      started = true;
    }
  }
  if (started) process.stdout.write("\n");
}

/** `wellness chat`: talk with the agent in the terminal (one message with -m, or a prompt loop). */
export async function chatCommand(options: ChatOptions): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const userId = options.user ?? config.defaultUserId;
  const sessionId = options.session ?? randomUUID();
  let runtime: WellnessRuntime;
  try {
    runtime = await createRuntime(config, { log, clientName: "wellness-chat" });
  } catch (error) {
    throw explainRedisDown(config, error);
  }
  const { agent } = runtime;
  try {
    try {
      await agent.loadKnowledge();
    } catch (error) {
      log.warn(`Semantic memory is not ready (${(error as Error).message}); answering without general knowledge.`);
    }
    const turn = { sessionId, userId, stateless: options.stateless ?? false };
    if (options.session !== undefined && !turn.stateless) await agent.sessions.assertAccessible(sessionId, userId);
    if (options.message) {
      await ask(agent, turn, options.message);
      return;
    }
    process.stdout.write(`Session ${sessionId} for ${userId}${turn.stateless ? " (stateless)" : ""}. Ask about your health data; Ctrl-D quits.\n`);
    const lines = createInterface({ input: process.stdin, terminal: false });
    const showPrompt = () => {
      if (process.stdin.isTTY) process.stdout.write("you> ");
    };
    showPrompt();
    try {
      for await (const line of lines) {
        if (line.trim() !== "") {
          try {
            await ask(agent, turn, line);
          } catch (error) {
            if (!(error instanceof WellnessError)) throw error;
            process.stderr.write(`${error.message}\n`);
          }
        }
        showPrompt();
      }
      // Ctrl-D ends the loop right after the prompt: finish its line so the shell's starts clean.
      if (process.stdin.isTTY) process.stdout.write("\n");
    } finally {
      lines.close();
    }
  } finally {
    // Waits for the turns' learning, then closes the connection.
    await runtime.close();
  }
}
