import { Command, InvalidArgumentError } from "commander";
import { ImportError, MemoryNotFoundError } from "../errors.js";
import { describeOutcome } from "../coaching/advice-summary.js";
import { EPISODIC_TYPES, type EpisodicType } from "../memory/episodic.js";
import type { Intervention, Memory } from "../memory/index.js";

type Kind = EpisodicType | "procedure" | "semantic" | "intervention";
const KINDS: readonly Kind[] = [...EPISODIC_TYPES, "procedure", "semantic", "intervention"];

/** One piece of advice per line: id, outcome, the suggestion and what became of it. */
function adviceLines(interventions: readonly Intervention[]): string {
  return interventions.map((each) => `${each.id}  [advice, ${each.outcome.replace("_", " ")}] ${describeOutcome(each)}`).join("\n");
}

function kind(value: string): Kind {
  if (!(KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${KINDS.join(", ")}`);
  return value as Kind;
}

function print(value: unknown, json: boolean | undefined, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/**
 * Why an id that `memory list` shows for the shared facts or for procedures cannot be forgotten
 * one by one; undefined for anything else (episodic ids are 19 characters).
 */
export function notEpisodic(id: string): string | undefined {
  if (/^[0-9a-f]{16}$/u.test(id)) {
    return `${id} looks like a shared health fact (memory list --type semantic). Facts belong to every user and are not forgotten one by one; memory forget deletes your own goals, preferences and health events (ids from memory list).`;
  }
  if (/^[0-9a-f]{12}$|^[0-9a-f]{32}$/u.test(id)) {
    return `${id} looks like a procedure (memory list --type procedure). Procedures are learned from how questions were answered and expire on their own; memory forget deletes your own goals, preferences and health events (ids from memory list).`;
  }
  return undefined;
}

/**
 * The modules the actions need, loaded when one runs: the embedding model and the vector index
 * are heavy, and `wellness --help` should not wait for them.
 */
async function modules() {
  const [{ loadConfig }, { createLogger }, { memoryFromConfig }, { withRuntime }] = await Promise.all([
    import("../config.js"),
    import("../logger.js"),
    import("../runtime/from-config.js"),
    import("./connection.js"),
  ]);
  const config = loadConfig();
  return { config, log: createLogger(config.logLevel), memoryFromConfig, withRuntime };
}

/**
 * Runs `action` with the configured memory on a fresh connection; what it forgets or reindexes is
 * published on the event bus, and its embedding calls count in the model registry, as the server's.
 */
async function withMemory<T>(action: (memory: Memory, defaultUser: string) => Promise<T>): Promise<T> {
  const { config, log, memoryFromConfig, withRuntime } = await modules();
  return withRuntime(config, log, async ({ redis, events, models }) => {
    const memory = memoryFromConfig(redis, config, { events, models, log });
    try {
      return await action(memory, config.defaultUserId);
    } finally {
      await memory.drain();
    }
  });
}

/** `wellness memory list|search|forget|reindex|stats|load-knowledge`. */
export function memoryCommand(): Command {
  const command = new Command("memory").description("inspect and maintain long-term memory (episodic, semantic, procedural)");

  command
    .command("list")
    .description("list a user's memories, newest first (goals, preferences, events, insights, then the advice given and its outcomes), or one kind")
    .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
    .option("-t, --type <kind>", `one of ${KINDS.join(", ")}`, kind)
    .option("--json", "print JSON")
    .action(async (options: { user?: string; type?: Kind; json?: boolean }) => {
      await withMemory(async (memory, defaultUser) => {
        const user = options.user ?? defaultUser;
        if (options.type === "semantic") {
          const facts = await memory.semantic.list();
          print(facts, options.json, () => facts.map((fact) => `${fact.id}  [${fact.category}/${fact.factType}] ${fact.content}`).join("\n"));
        } else if (options.type === "procedure") {
          const procedures = await memory.procedural.list(user);
          print(procedures, options.json, () =>
            procedures.map((p) => `${p.patternHash.slice(0, 12)}  ${p.tools.join(" > ")}  x${p.executionCount}  ${p.avgExecutionTimeMs} ms  score ${p.avgSuccessScore}  "${p.query}"`).join("\n"),
          );
        } else if (options.type === "intervention") {
          const interventions = await memory.interventions.list(user);
          print(interventions, options.json, () => adviceLines(interventions) || `No advice recorded for ${user}.`);
        } else {
          const [records, interventions] = await Promise.all([memory.episodic.list(user, options.type), options.type ? Promise.resolve([]) : memory.interventions.list(user)]);
          print(records, options.json, () =>
            [
              records.map((r) => `${r.id}  ${r.timestamp.slice(0, 16)}  [${r.type}${r.supersededBy ? ", superseded" : ""}] ${r.description}`).join("\n"),
              adviceLines(interventions),
            ]
              .filter(Boolean)
              .join("\n") || `No memories for ${user}.`,
          );
        }
      });
    });

  command
    .command("search")
    .description("search a user's memories and the shared facts by meaning")
    .argument("<query>", "what to look for")
    .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
    .option("-k <n>", "results per memory type", (value) => Number.parseInt(value, 10), 5)
    .option("--json", "print JSON")
    .action(async (query: string, options: { user?: string; k: number; json?: boolean }) => {
      await withMemory(async (memory, defaultUser) => {
        const user = options.user ?? defaultUser;
        const [episodic, semantic, plan] = await Promise.all([
          memory.episodic.retrieve(user, query, { k: options.k }),
          memory.semantic.search(query, { k: options.k }),
          memory.procedural.suggest(user, query),
        ]);
        print({ episodic, semantic, plan: plan ?? null }, options.json, () =>
          [
            `Episodic (${user}):`,
            ...episodic.map((r) => `  ${r.similarity?.toFixed(3)}  [${r.type}] ${r.description}`),
            "Semantic:",
            ...semantic.map((f) => `  ${f.similarity?.toFixed(3)}  [${f.category}] ${f.content}`),
            `Suggested plan: ${plan ? `${plan.tools.join(" > ")} (confidence ${plan.confidence}, ~${plan.typicalLatencyMs} ms)` : "none"}`,
          ].join("\n"),
        );
      });
    });

  command
    .command("forget")
    .description("delete one of a user's memories (goal, preference, health event, insight, advice) by id")
    .argument("<id>", "the memory id (from memory list; shared facts and procedures are not forgotten one by one)")
    .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
    .action(async (id: string, options: { user?: string }) => {
      const other = notEpisodic(id);
      if (other) throw new MemoryNotFoundError(other);
      await withMemory(async (memory, defaultUser) => {
        const user = options.user ?? defaultUser;
        const forgotten = (await memory.episodic.forget(user, id)) || (await memory.interventions.forget(user, id));
        if (!forgotten) throw new MemoryNotFoundError(`User ${user} has no memory ${id}; see wellness memory list.`);
        process.stdout.write(`Forgot ${id}.\n`);
      });
    });

  command
    .command("reindex")
    .description("re-embed every stored memory with the configured embedding model")
    .action(async () => {
      const { config, log, memoryFromConfig, withRuntime } = await modules();
      const { RedisLock } = await import("../redis/lock.js");
      await withRuntime(config, log, async ({ redis: client, keys, events, models }) => {
        const memory = memoryFromConfig(client, config, { events, models, log });
        const lock = await new RedisLock(client, keys).acquire("reindex", "memory", 30 * 60_000);
        if (!lock) throw new ImportError("ERR_IMPORT_IN_PROGRESS", "A memory reindex is already running; wait for it to finish.");
        let result: { scopes: number; memories: number };
        try {
          result = await memory.reindex();
        } finally {
          await lock.release();
          await memory.drain();
        }
        const { scopes, memories } = result;
        process.stdout.write(`Re-embedded ${memories} memories in ${scopes} scopes with ${memory.embeddings.provider}/${memory.embeddings.model}.\n`);
      });
    });

  command
    .command("load-knowledge")
    .description("load the built-in health knowledge pack into semantic memory (idempotent)")
    .action(async () => {
      const { KNOWLEDGE_PACK } = await import("../memory/knowledge-pack.js");
      await withMemory(async (memory) => {
        const ids = await memory.semantic.load(KNOWLEDGE_PACK);
        process.stdout.write(`Loaded ${ids.length} facts.\n`);
      });
    });

  command
    .command("stats")
    .description("embedding model, embedding cache and memory counts")
    .option("-u, --user <id>", "user (default: DEFAULT_USER_ID)")
    .option("--json", "print JSON")
    .action(async (options: { user?: string; json?: boolean }) => {
      await withMemory(async (memory, defaultUser) => {
        const stats = await memory.stats(options.user ?? defaultUser);
        print(stats, options.json, () =>
          [
            `model: ${stats.model ? `${stats.model.provider}/${stats.model.model} (${stats.model.dimensions} dimensions)` : "none recorded yet"}`,
            `embedding cache: ${stats.embeddingCache.hits} hits, ${stats.embeddingCache.misses} misses, hit rate ${stats.embeddingCache.hitRate}`,
            `semantic facts: ${stats.semanticFacts}`,
            ...(stats.users
              ? [
                  `user ${stats.users.userId}: ${Object.entries(stats.users.episodic).map(([type, count]) => `${count} ${type}`).join(", ")}, ${stats.users.procedures} procedures, ${stats.users.interventions} pieces of advice`,
                ]
              : []),
          ].join("\n"),
        );
      });
    });

  return command;
}
