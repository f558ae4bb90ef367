import { createHash } from "node:crypto";
import { InvalidIdError } from "../errors.js";
import { validateId } from "../redis/ids.js";
import type { MemoryDependencies } from "./context.js";
import type { KnnRequest, VectorMatch, VectorScope } from "./vector/vector-index.js";

/** A piece of general health knowledge, shared by all users. */
export interface Fact {
  category: string;
  factType: string;
  content: string;
  context?: string;
  source: string;
}

export interface StoredFact extends Fact {
  id: string;
  similarity?: number;
}

const SCOPE_NAME = "semantic";
/** How long this process trusts its list of knowledge categories before asking Redis again. */
const CATEGORIES_TTL_MS = 60_000;

/** Stable id from the content, so loading the same fact twice stores it once. */
export function factId(fact: Pick<Fact, "category" | "factType" | "content">): string {
  return createHash("sha256").update(`${fact.category}\u0000${fact.factType}\u0000${fact.content}`).digest("hex").slice(0, 16);
}

function toFact(fields: Record<string, string>, similarity?: number): StoredFact {
  return {
    id: fields.id ?? "",
    category: fields.category ?? "",
    factType: fields.fact_type ?? "",
    content: fields.content ?? "",
    ...(fields.context ? { context: fields.context } : {}),
    source: fields.source ?? "",
    ...(similarity !== undefined ? { similarity: Math.round(similarity * 1000) / 1000 } : {}),
  };
}

/**
 * General health knowledge (`semantic:{category}:{fact_type}:{id}`), embedded and searchable,
 * optionally within one category. Facts have ids from a hash of their content, so loading a
 * knowledge pack again changes nothing but the expiry.
 *
 * @example
 * ```ts
 * const semantic = new SemanticMemory(memory);
 * await semantic.load(KNOWLEDGE_PACK);
 * await semantic.search("what is a normal resting heart rate?", { k: 3 });
 * ```
 */
export class SemanticMemory {
  private knownCategories: { list: Promise<string[]>; at: number } | undefined;

  constructor(private readonly deps: MemoryDependencies) {}

  private scope(category: string): VectorScope {
    return { tag: validateId("category", category), name: SCOPE_NAME };
  }

  /** Stores facts (embedded in one batch); returns their ids. */
  async load(facts: readonly Fact[]): Promise<string[]> {
    if (facts.length === 0) return [];
    for (const fact of facts) {
      validateId("category", fact.category);
      validateId("fact type", fact.factType);
      if (fact.content.trim() === "") throw new InvalidIdError("fact content", "it is empty", "");
    }
    await this.deps.guard.check("write");
    this.knownCategories = undefined;
    const texts = facts.map((fact) => (fact.context ? `${fact.content} (${fact.context})` : fact.content));
    const vectors = await this.deps.embeddings.embed(texts);
    return Promise.all(
      facts.map(async (fact, index) => {
        const id = factId(fact);
        const fields: Record<string, string> = {
          id,
          category: fact.category,
          fact_type: fact.factType,
          content: fact.content,
          context: fact.context ?? "",
          source: fact.source,
          text: texts[index] as string,
        };
        await this.deps.index.upsert(
          this.scope(fact.category),
          { key: this.deps.keys.semantic(fact.category, fact.factType, id), vector: vectors[index] as Float32Array, fields },
          this.deps.ttlSeconds,
        );
        return id;
      }),
    );
  }

  /** Categories that hold facts. */
  async categories(): Promise<string[]> {
    const scopes = await this.deps.index.scopes();
    return scopes.filter((scope) => scope.name === SCOPE_NAME).map((scope) => scope.tag).sort();
  }

  /** The categories, remembered for a minute: every turn searches them, and they rarely change. */
  private recentCategories(): Promise<string[]> {
    const now = Date.now();
    if (!this.knownCategories || now - this.knownCategories.at > CATEGORIES_TTL_MS) {
      const list = this.categories();
      this.knownCategories = { list, at: now };
      void list.catch(() => (this.knownCategories = undefined));
    }
    return this.knownCategories.list;
  }

  async search(query: string, options: { category?: string; k?: number; minSimilarity?: number } = {}): Promise<StoredFact[]> {
    await this.deps.guard.check("read");
    const [request, [vector]] = await Promise.all([this.searchRequest(options), this.deps.embeddings.embed([query])]);
    return this.facts(await this.deps.index.knn(request.scopes, vector as Float32Array, request.options));
  }

  /** The search `search` runs, for batching with other searches of the same question (Memory.recall). */
  async searchRequest(options: { category?: string; k?: number; minSimilarity?: number } = {}): Promise<KnnRequest> {
    const categories = options.category ? [options.category] : await this.recentCategories();
    return { scopes: categories.map((category) => this.scope(category)), options: { k: options.k ?? 3, minSimilarity: options.minSimilarity ?? 0.3 } };
  }

  /** Search matches as facts (similarity rounded). */
  facts(matches: readonly VectorMatch[]): StoredFact[] {
    return matches.map((match) => toFact(match.fields, match.similarity));
  }

  async list(category?: string): Promise<StoredFact[]> {
    const categories = category ? [category] : await this.categories();
    const documents = await Promise.all(categories.map((each) => this.deps.index.documents(this.scope(each))));
    return documents.flat().map((document) => toFact(document.fields));
  }

  async count(): Promise<number> {
    return (await this.list()).length;
  }
}
