import { createHash } from "node:crypto";
import { normalize, type Embeddings } from "../../src/index.js";

/**
 * A small deterministic embedding (the hashing trick over words and word pairs): texts that share
 * words get similar vectors. Used as a second, different provider beside the real local model,
 * and where a test needs vectors of a chosen dimension.
 */
export class HashingEmbeddings implements Embeddings {
  readonly provider = "hashing";
  calls = 0;

  constructor(
    readonly dimensions = 256,
    readonly model = "hashing-v1",
  ) {}

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls += 1;
    return Promise.resolve(
      texts.map((text) => {
        const vector = new Float32Array(this.dimensions);
        const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
        const features = [...words, ...words.slice(1).map((word, index) => `${words[index] ?? ""} ${word}`)];
        for (const feature of features) {
          const digest = createHash("sha256").update(`${this.model}:${feature}`).digest();
          const slot = digest.readUInt32BE(0) % this.dimensions;
          vector[slot] = (vector[slot] ?? 0) + (digest[4] !== undefined && digest[4] & 1 ? 1 : -1);
        }
        return normalize(vector);
      }),
    );
  }
}
