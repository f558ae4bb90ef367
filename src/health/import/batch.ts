/**
 * The compact form in which the export's elements travel from the XML walker to the aggregator:
 * numbers in one Float64Array (transferable between threads without copying), strings as ids into
 * a table that grows by the few new strings each batch defines, and the rare elements that need
 * all their attributes as plain objects. Order is kept exactly, so aggregation gives the same
 * floating-point sums whether the walker ran in this thread or in a worker.
 */
import { valueIsText } from "./normalize.js";
import type { Attributes, RawWorkout } from "./reader.js";

/** A top-level Record the walker decoded itself; the object is reused, read it during the call. */
export interface Sample {
  type: string;
  source: string;
  unit: string;
  startMs: number;
  /** Minutes east of UTC. */
  startOffset: number;
  endMs: number;
  endOffset: number;
  /** The numeric value (NaN when missing or not a number), for types whose value is a number. */
  value: number;
  /** The value as text, for category types (sleep stages); "" otherwise. */
  text: string;
}

/** Receives the export's elements in document order, synchronously, one at a time. */
export interface ExportSink {
  exportDate(value: string): void;
  me(attributes: Attributes): void;
  /** A top-level Record whose dates and type the walker could read on its own (almost all). */
  sample(sample: Sample): void;
  /** Any other top-level Record, with all its attributes. */
  record(attributes: Attributes): void;
  /** A Record inside a Correlation; Apple usually repeats it at the top level, trimmed files may not. */
  correlatedRecord(attributes: Attributes): void;
  workout(workout: RawWorkout): void;
  activitySummary(attributes: Attributes): void;
}

export const KIND_SAMPLE = 0;
export const KIND_RECORD = 1;
export const KIND_CORRELATED = 2;
export const KIND_WORKOUT = 3;
export const KIND_ACTIVITY = 4;
export const KIND_ME = 5;
export const KIND_EXPORT_DATE = 6;

/** Numbers per entry: kind, type, source, unit, start ms, start offset, end ms, end offset, value. */
export const STRIDE = 9;
/** Entries per batch. */
export const BATCH_ENTRIES = 4096;

export interface Batch {
  numbers: Float64Array;
  count: number;
  /** Strings this batch adds to the table, in id order. */
  strings: string[];
  /** Whole elements (kinds other than sample), referenced by index. */
  elements: unknown[];
}

/**
 * Batch arrays for reuse, once their batch was replayed: a fresh one costs page faults and
 * garbage collection, and a read goes through thousands. Holds at most a few.
 */
export class NumbersPool {
  private readonly spare: Float64Array[] = [];

  constructor(private readonly limit = 16) {}

  take(): Float64Array {
    return this.spare.pop() ?? new Float64Array(STRIDE * BATCH_ENTRIES);
  }

  give(numbers: Float64Array): void {
    if (this.spare.length < this.limit && numbers.length === STRIDE * BATCH_ENTRIES) this.spare.push(numbers);
  }

  /** Up to `count` arrays taken out, to hand to another thread's pool. */
  lend(count: number): Float64Array[] {
    return this.spare.splice(0, Math.min(count, this.spare.length));
  }
}

/** Fills batches on the walker's side and hands each full one on. */
export class BatchWriter {
  /** Taken from the pool at the first entry of each batch. */
  private numbers: Float64Array | undefined;
  private count = 0;
  private strings: string[] = [];
  private elements: unknown[] = [];
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly emit: (batch: Batch) => void,
    private readonly pool: NumbersPool = new NumbersPool(0),
  ) {}

  /** The table id of a string, defining it in the current batch when new. */
  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(text, id);
      this.strings.push(text);
    }
    return id;
  }

  /** Distinct strings so far (types, sources, units, category values). */
  get distinctStrings(): number {
    return this.ids.size;
  }

  sample(type: number, source: number, unit: number, startMs: number, startOffset: number, endMs: number, endOffset: number, value: number): void {
    const numbers = (this.numbers ??= this.pool.take());
    const base = this.count * STRIDE;
    numbers[base] = KIND_SAMPLE;
    numbers[base + 1] = type;
    numbers[base + 2] = source;
    numbers[base + 3] = unit;
    numbers[base + 4] = startMs;
    numbers[base + 5] = startOffset;
    numbers[base + 6] = endMs;
    numbers[base + 7] = endOffset;
    numbers[base + 8] = value;
    this.advance();
  }

  element(kind: number, element: unknown): void {
    const base = this.count * STRIDE;
    const numbers = (this.numbers ??= this.pool.take());
    numbers[base] = kind;
    numbers[base + 1] = this.elements.length;
    this.elements.push(element);
    this.advance();
  }

  private advance(): void {
    this.count += 1;
    if (this.count === BATCH_ENTRIES) this.flush();
  }

  /** Hands on what has been written, if anything. */
  flush(): void {
    if (this.count === 0 && this.strings.length === 0) return;
    const batch: Batch = { numbers: this.numbers ?? new Float64Array(0), count: this.count, strings: this.strings, elements: this.elements };
    this.numbers = undefined;
    this.count = 0;
    this.strings = [];
    this.elements = [];
    this.emit(batch);
  }
}

/** Null-prototype copy, so attribute names such as `__proto__` stay plain keys after a thread hop. */
function attributes(value: unknown): Attributes {
  return Object.assign(Object.create(null) as Attributes, value as Attributes);
}

/**
 * Replays batches into a sink, on the aggregator's side.
 *
 * @example
 * ```ts
 * const reader = new BatchReader(aggregator);
 * reader.apply(batch);
 * ```
 */
export class BatchReader {
  private readonly table: string[] = [];
  private readonly current: Sample = { type: "", source: "", unit: "", startMs: 0, startOffset: 0, endMs: 0, endOffset: 0, value: 0, text: "" };
  /** Per type id: whether its value travels as a string id. */
  private readonly textTypes: boolean[] = [];

  constructor(private readonly sink: ExportSink) {}

  /** Takes only the strings a batch defines: for a parse repeated to reach its state, whose elements were already replayed. */
  learn(batch: Batch): void {
    for (const text of batch.strings) this.table.push(text);
  }

  apply(batch: Batch): void {
    for (const text of batch.strings) this.table.push(text);
    const { numbers, elements } = batch;
    const table = this.table;
    const sample = this.current;
    for (let entry = 0; entry < batch.count; entry++) {
      const base = entry * STRIDE;
      const kind = numbers[base] as number;
      if (kind === KIND_SAMPLE) {
        const typeId = numbers[base + 1] as number;
        sample.type = table[typeId] as string;
        let isText = this.textTypes[typeId];
        if (isText === undefined) {
          isText = valueIsText(sample.type);
          this.textTypes[typeId] = isText;
        }
        sample.source = table[numbers[base + 2] as number] as string;
        sample.unit = table[numbers[base + 3] as number] as string;
        sample.startMs = numbers[base + 4] as number;
        sample.startOffset = numbers[base + 5] as number;
        sample.endMs = numbers[base + 6] as number;
        sample.endOffset = numbers[base + 7] as number;
        if (isText) {
          sample.text = table[numbers[base + 8] as number] as string;
          sample.value = Number.NaN;
        } else {
          sample.text = "";
          sample.value = numbers[base + 8] as number;
        }
        this.sink.sample(sample);
        continue;
      }
      const element = elements[numbers[base + 1] as number];
      switch (kind) {
        case KIND_RECORD:
          this.sink.record(attributes(element));
          break;
        case KIND_CORRELATED:
          this.sink.correlatedRecord(attributes(element));
          break;
        case KIND_WORKOUT: {
          const workout = element as RawWorkout;
          this.sink.workout({ attributes: attributes(workout.attributes), statistics: workout.statistics.map(attributes) });
          break;
        }
        case KIND_ACTIVITY:
          this.sink.activitySummary(attributes(element));
          break;
        case KIND_ME:
          this.sink.me(attributes(element));
          break;
        case KIND_EXPORT_DATE:
          this.sink.exportDate(element as string);
          break;
        default:
          break;
      }
    }
  }
}
