/**
 * A searchable set of memories. The core implementation keeps vectors in plain Redis hashes and
 * computes similarity in-process; a Query Engine implementation (FT.SEARCH over HNSW) can stand
 * behind the same interface where the module exists.
 */

/** One searchable set: `tag` is its cluster hash tag (a user id, a category), `name` what it holds. */
export interface VectorScope {
  tag: string;
  name: string;
}

/** A memory with its vector: the vector and `fields` are stored together in the HASH at `key`. */
export interface VectorDocument {
  key: string;
  vector: Float32Array;
  fields: Record<string, string>;
}

export interface VectorMatch {
  key: string;
  /** Cosine similarity, -1..1. */
  similarity: number;
  fields: Record<string, string>;
}

export interface KnnOptions {
  k: number;
  /** Matches below this similarity are left out. */
  minSimilarity?: number;
  /** Only documents whose fields equal all of these. */
  where?: Record<string, string>;
  /** Leave out documents whose fields equal any of these. */
  whereNot?: Record<string, string>;
}

/** One search of a batch: its scopes and options (the query vector is shared). */
export interface KnnRequest {
  scopes: readonly VectorScope[];
  options: KnnOptions;
}

export interface VectorIndex {
  /** Stores (or replaces) a document, with its TTL, and makes it searchable. */
  upsert(scope: VectorScope, document: VectorDocument, ttlSeconds: number): Promise<void>;
  /** Changes some fields of a stored document (the vector stays); false if it is gone. */
  update(scope: VectorScope, key: string, fields: Record<string, string>): Promise<boolean>;
  /** Removes a document; false if it was not there. */
  delete(scope: VectorScope, key: string): Promise<boolean>;
  /** The k most similar documents across the given scopes, most similar first. */
  knn(scopes: readonly VectorScope[], vector: Float32Array, options: KnnOptions): Promise<VectorMatch[]>;
  /**
   * Several searches with one query vector, answered together (the core index checks every
   * scope's version in one round trip, and starts that before the vector is ready).
   */
  knnMany(vector: Float32Array | PromiseLike<Float32Array>, requests: readonly KnnRequest[]): Promise<VectorMatch[][]>;
  /** Every document of a scope (for listings and reindexing). */
  documents(scope: VectorScope): Promise<VectorDocument[]>;
  count(scope: VectorScope): Promise<number>;
  /** Every scope that has ever held a document. */
  scopes(): Promise<VectorScope[]>;
}
