import { EmbeddingUnavailableError } from "../errors.js";
import { normalize, type Embeddings } from "../memory/embeddings/provider.js";

/** A LangChain `Embeddings` (what a langgraph.json store index names), by the two methods used. */
export interface LangChainEmbeddingsLike {
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

/** The project's embedding provider, or a LangChain one. */
export type StoreEmbeddings = Embeddings | LangChainEmbeddingsLike;

function isLangChain(embeddings: StoreEmbeddings): embeddings is LangChainEmbeddingsLike {
  return typeof (embeddings as Partial<LangChainEmbeddingsLike>).embedDocuments === "function";
}

/**
 * Turns texts into unit vectors of the index's dimension with either kind of provider, so a
 * cosine similarity is one dot product; a vector of another dimension is refused before anything
 * is written.
 */
export class StoreEmbedder {
  constructor(
    private readonly embeddings: StoreEmbeddings,
    readonly dims: number,
  ) {
    if (!Number.isInteger(dims) || dims <= 0) throw new RangeError(`The store index dims must be a positive integer, got ${dims}.`);
  }

  async documents(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const raw = isLangChain(this.embeddings) ? await this.embeddings.embedDocuments([...texts]) : await this.embeddings.embed(texts);
    if (raw.length !== texts.length) throw new EmbeddingUnavailableError(`The embedding provider returned ${raw.length} vectors for ${texts.length} texts.`);
    return raw.map((vector) => this.checked(vector));
  }

  async query(text: string): Promise<Float32Array> {
    if (isLangChain(this.embeddings)) return this.checked(await this.embeddings.embedQuery(text));
    const [vector] = await this.embeddings.embed([text]);
    if (!vector) throw new EmbeddingUnavailableError("The embedding provider returned no vector for the query.");
    return this.checked(vector);
  }

  private checked(vector: ArrayLike<number>): Float32Array {
    if (vector.length !== this.dims) {
      throw new EmbeddingUnavailableError(
        `The embedding provider returned ${vector.length} dimensions but the store index is configured with dims ${this.dims}; configure dims to match the model.`,
      );
    }
    return normalize(vector);
  }
}

/** Dot product of two unit vectors: their cosine similarity. */
export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Several vectors of one dimension back to back, as stored in an item's hash. */
export function packVectors(vectors: readonly Float32Array[]): Buffer {
  return Buffer.concat(vectors.map((vector) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)));
}

export function unpackVectors(bytes: Buffer, dims: number): Float32Array[] {
  if (dims <= 0) return [];
  const size = dims * 4;
  const vectors: Float32Array[] = [];
  for (let offset = 0; offset + size <= bytes.byteLength; offset += size) {
    const vector = new Float32Array(dims);
    new Uint8Array(vector.buffer).set(bytes.subarray(offset, offset + size));
    vectors.push(vector);
  }
  return vectors;
}
