import type { Config } from "../config.js";

/**
 * The start banner's line about the chat model: whether Ollama answers at OLLAMA_BASE_URL and
 * has OLLAMA_MODEL, and if not, the next step. Asks GET /api/tags once, with a short timeout, so
 * a missing Ollama never delays start-up for long.
 *
 * @example
 * ```ts
 * log.info(await modelStatusLine(config.ollama));
 * // "Chat model qwen2.5:7b at http://localhost:11434: reachable."
 * ```
 */
export async function modelStatusLine(ollama: Config["ollama"], timeoutMs = 1_500): Promise<string> {
  const where = `Chat model ${ollama.model} at ${ollama.baseUrl}`;
  let models: string[];
  try {
    const response = await fetch(new URL("/api/tags", ollama.baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return `${where}: not reachable (HTTP ${response.status}); chat answers with an error until it is. Check OLLAMA_BASE_URL.`;
    const body = (await response.json()) as { models?: { name?: string; model?: string }[] };
    models = (body.models ?? []).flatMap((entry) => [entry.name, entry.model]).filter((name): name is string => typeof name === "string");
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return `${where}: not reachable (${reason}); chat answers with an error until it is. Start Ollama (ollama serve) and run ollama pull ${ollama.model}, or set OLLAMA_BASE_URL.`;
  }
  const wanted = ollama.model.includes(":") ? ollama.model : `${ollama.model}:latest`;
  if (!models.includes(ollama.model) && !models.includes(wanted)) {
    return `${where}: Ollama answers but does not have the model; run ollama pull ${ollama.model} (or set OLLAMA_MODEL to one of: ${models.join(", ") || "none pulled yet"}).`;
  }
  return `${where}: reachable.`;
}
