import type { Message } from "@langchain/langgraph-sdk";

/** One tool call of a reply, with its result once the tool answered. */
export interface ToolCallView {
  id: string;
  name: string;
  args: Record<string, unknown>;
  result?: string;
  failed: boolean;
}

/** The server's numeric check of one answer (graph state `faithfulness`). */
export interface Faithfulness {
  status: "supported" | "corrected" | "flagged";
  checked: number;
  unsupported: string[];
  flagged: string[];
}

/** What a pane measured about one turn while it streamed. */
export interface TurnMetrics {
  latencyMs?: number;
  firstTokenMs?: number;
  memoryHits?: string[];
  faithfulness?: Faithfulness;
}

/** One question and the assistant's reply to it, as a pane shows it. */
export interface Turn {
  /** The human message's id (the page sets it when it sends the question). */
  id: string;
  question: string;
  answer: string;
  toolCalls: ToolCallView[];
  /** Total tokens the model reported for the reply, or null when it reported none. */
  tokens: number | null;
}

export function textOf(content: Message["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? part.text : "")).join("");
}

/** Groups a thread's messages into turns: each human message starts one; tool results join their calls. */
export function turnsOf(messages: readonly Message[]): Turn[] {
  const turns: Turn[] = [];
  const calls = new Map<string, ToolCallView>();
  for (const [index, message] of messages.entries()) {
    if (message.type === "human") {
      turns.push({ id: message.id ?? `human-${index}`, question: textOf(message.content), answer: "", toolCalls: [], tokens: null });
      continue;
    }
    const turn = turns.at(-1);
    if (!turn) continue;
    if (message.type === "ai") {
      const text = textOf(message.content);
      if (text) turn.answer = turn.answer ? `${turn.answer}\n\n${text}` : text;
      for (const [position, call] of (message.tool_calls ?? []).entries()) {
        const view: ToolCallView = { id: call.id ?? `${message.id ?? index}-${position}`, name: call.name, args: call.args, failed: false };
        turn.toolCalls.push(view);
        calls.set(view.id, view);
      }
      if (message.usage_metadata) turn.tokens = (turn.tokens ?? 0) + message.usage_metadata.total_tokens;
    } else if (message.type === "tool") {
      const call = calls.get(message.tool_call_id);
      if (call) {
        call.result = textOf(message.content);
        call.failed = message.status === "error";
      }
    }
  }
  return turns;
}
