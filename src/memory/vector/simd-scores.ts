/**
 * scores.wat assembled (WebAssembly SIMD): dot products of one query with every row of a matrix.
 * test/memory/simd-scores.test.ts assembles scores.wat again and checks these bytes match it.
 */
const SCORES_WASM_BASE64 = "AGFzbQEAAAABCAFgBH9/f38AAwIBAAUDAQABBxMCBm1lbW9yeQIABnNjb3JlcwAACskBAcYBAgR/AnsgAiABQQJ0aiEHAkADQCAEIABPDQH9DAAAAAAAAAAAAAAAAAAAAAAhCP0MAAAAAAAAAAAAAAAAAAAAACEJIAIhBgJAA0AgBiAHTw0BIAggBf0ABAAgBv0ABAD95gH95AEhCCAJIAX9AAQQIAb9AAQQ/eYB/eQBIQkgBUEgaiEFIAZBIGohBgwACwsgCCAJ/eQBIQggAyAEQQJ0aiAI/R8AIAj9HwGSIAj9HwIgCP0fA5KSOAIAIARBAWohBAwACwsL";

/** Rows must have a multiple of this many floats: the inner loop reads eight at a time. */
export const SIMD_WIDTH = 8;

const PAGE = 65_536;

/** The parts of the WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmExports {
  memory: WasmMemory;
  scores: (rows: number, dim: number, query: number, out: number) => void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

function wasmApi(): WasmApi {
  return (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
}

export function scoresWasmBytes(): Uint8Array {
  return Buffer.from(SCORES_WASM_BASE64, "base64");
}

/**
 * A matrix of vectors held in WebAssembly memory and scored against queries with SIMD: several
 * times faster than a JavaScript loop, which keeps a search over 10,000 memories within budget.
 *
 * @example
 * ```ts
 * const scorer = SimdScorer.create(SimdScorer.compile(), matrix, rows, 1024);
 * const similarities = scorer.score(query); // one Float32 per row
 * scorer.setRow(3, changed); // a changed memory, without copying the others
 * ```
 */
export class SimdScorer {
  private constructor(
    private readonly exports: WasmExports,
    private rowCount: number,
    readonly dim: number,
  ) {}

  static compile(): object {
    const { Module } = wasmApi();
    return new Module(scoresWasmBytes());
  }

  /** Copies `matrix` (rows x dim, row-major) into a fresh instance's memory. */
  static create(module: object, matrix: Float32Array, rows: number, dim: number): SimdScorer {
    if (dim % SIMD_WIDTH !== 0) throw new RangeError(`dimension ${dim} is not a multiple of ${SIMD_WIDTH}`);
    const { Instance } = wasmApi();
    const scorer = new SimdScorer(new Instance(module).exports as WasmExports, rows, dim);
    scorer.reserve(rows);
    new Float32Array(scorer.exports.memory.buffer, 0, rows * dim).set(matrix.subarray(0, rows * dim));
    return scorer;
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Grows memory (by whole pages, with headroom) so `rows` rows, the query and the scores fit. */
  private reserve(rows: number): void {
    const needed = Math.ceil(((rows * this.dim + this.dim + rows) * 4) / PAGE);
    const current = this.exports.memory.buffer.byteLength / PAGE;
    if (needed > current) this.exports.memory.grow(Math.max(needed - current, Math.ceil(current / 4)));
  }

  /** Replaces row `index` (a changed memory), in place. */
  setRow(index: number, vector: Float32Array): void {
    new Float32Array(this.exports.memory.buffer, index * this.dim * 4, this.dim).set(vector.subarray(0, this.dim));
  }

  /** Adds a row at the end (a new memory). */
  append(vector: Float32Array): void {
    this.reserve(this.rowCount + 1);
    this.rowCount += 1;
    this.setRow(this.rowCount - 1, vector);
  }

  /** Removes row `index` by moving the last row into its place (the caller mirrors the move). */
  removeSwap(index: number): void {
    const last = this.rowCount - 1;
    if (index !== last) {
      const memory = new Float32Array(this.exports.memory.buffer);
      memory.copyWithin(index * this.dim, last * this.dim, (last + 1) * this.dim);
    }
    this.rowCount = last;
  }

  /** Similarity of `query` with every row; the returned array is overwritten by the next call. */
  score(query: Float32Array): Float32Array {
    const queryOffset = this.rowCount * this.dim * 4;
    const outOffset = queryOffset + this.dim * 4;
    new Float32Array(this.exports.memory.buffer, queryOffset, this.dim).set(query.subarray(0, this.dim));
    this.exports.scores(this.rowCount, this.dim, queryOffset, outOffset);
    return new Float32Array(this.exports.memory.buffer, outOffset, this.rowCount);
  }
}
