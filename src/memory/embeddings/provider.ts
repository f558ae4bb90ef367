/** Turns texts into vectors. One interface for every provider, so memory code never knows which. */
export interface Embeddings {
  /** "local" or "ollama": part of every cache key and of the model guard. */
  readonly provider: string;
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, in order. Providers batch where they can. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Scales a vector to length 1, so cosine similarity is a dot product. A zero vector stays zero. */
export function normalize(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (const value of out) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}
