import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { ImportError } from "../../errors.js";
import {
  BatchReader,
  BatchWriter,
  KIND_ACTIVITY,
  KIND_CORRELATED,
  KIND_EXPORT_DATE,
  KIND_ME,
  KIND_RECORD,
  KIND_WORKOUT,
  NumbersPool,
  type Batch,
  type ExportSink,
} from "./batch.js";
import { ByteXmlScanner, XmlSyntaxError, type ScannerPosition, type TagView } from "./byte-scanner.js";
import { valueIsText } from "./normalize.js";

export type { ExportSink, Sample } from "./batch.js";

export type Attributes = Record<string, string>;

/** A Workout element with the WorkoutStatistics it holds (modern exports keep totals only there). */
export interface RawWorkout {
  attributes: Attributes;
  statistics: Attributes[];
}

export interface ReadResult {
  /** sha256 of the XML bytes: the import's provenance, and how re-imports are recognised. */
  sha256: string;
  bytes: number;
}

const ascii = (text: string) => Buffer.from(text, "latin1");
const HEALTH_DATA = ascii("HealthData");
const RECORD = ascii("Record");
const CORRELATION = ascii("Correlation");
const WORKOUT = ascii("Workout");
const WORKOUT_STATISTICS = ascii("WorkoutStatistics");
const ACTIVITY_SUMMARY = ascii("ActivitySummary");
const EXPORT_DATE = ascii("ExportDate");
const ME = ascii("Me");
const TYPE = ascii("type");
const UNIT = ascii("unit");
const VALUE = ascii("value");
const END_DATE = ascii("endDate");
const START_DATE = ascii("startDate");
const SOURCE_NAME = ascii("sourceName");

/** Record types that Correlations (blood pressure, food) group: their records keep all attributes. */
const CORRELATABLE = /^HKQuantityTypeIdentifier(BloodPressure|Dietary)/u;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(bytes: Uint8Array, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = (bytes[i] as number) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Powers of ten that doubles hold exactly. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, power) => 10 ** power);

/**
 * The last raw value seen for one attribute and what it decoded to: records come in long runs of
 * one type, source and unit, so comparing a few bytes usually replaces decoding a string.
 */
class LastValue<T> {
  private bytes = new Uint8Array(64);
  private length = -1;
  result: T | undefined;

  matches(tag: TagView, index: number): boolean {
    const from = tag.valueStart(index);
    const length = tag.valueEnd(index) - from;
    if (length !== this.length) return false;
    const buffer = tag.buffer;
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (buffer[from + i] !== bytes[i]) return false;
    return true;
  }

  remember(tag: TagView, index: number, result: T): void {
    const from = tag.valueStart(index);
    const length = tag.valueEnd(index) - from;
    if (length > this.bytes.length) this.bytes = new Uint8Array(Math.max(length, this.bytes.length * 2));
    this.bytes.set(tag.buffer.subarray(from, from + length));
    this.length = length;
    this.result = result;
  }
}

/**
 * The day and UTC offset of the last date read (its bytes 0-9 and 20-24), with the epoch
 * milliseconds of that local midnight: checked once, reused for every date of the same day.
 */
class LastDay {
  private readonly bytes = new Uint8Array(15);
  private known = false;
  startMs = 0;
  offset = 0;

  matches(bytes: Uint8Array, from: number): boolean {
    if (!this.known) return false;
    const own = this.bytes;
    for (let i = 0; i < 10; i++) if (bytes[from + i] !== own[i]) return false;
    for (let i = 0; i < 5; i++) if (bytes[from + 20 + i] !== own[10 + i]) return false;
    return true;
  }

  remember(bytes: Uint8Array, from: number, startMs: number, offset: number): void {
    this.bytes.set(bytes.subarray(from, from + 10));
    this.bytes.set(bytes.subarray(from + 20, from + 25), 10);
    this.known = true;
    this.startMs = startMs;
    this.offset = offset;
  }
}

/** How a Record type's records travel: its string id and whether its value is text; null = whole record. */
type TypeRoute = { id: number; text: boolean } | null;

/** Where the walker is told to stop (see {@link ExportWalker.distinctTypes}). */
export interface WalkerLimits {
  /** Distinct Record types accepted before the export is refused. */
  maxRecordTypes: number;
}

const DEFAULT_LIMITS: WalkerLimits = { maxRecordTypes: 5_000 };

/**
 * Walks the scanner's elements and writes them to batches. Top-level Records (almost every
 * element) are decoded here without building objects: the type, source and unit become string
 * ids, the two dates are read from their bytes into epoch milliseconds and UTC offsets, and the
 * value into a number; a Record with anything unusual (a date in another shape, a type that
 * Correlations group) goes whole, as attributes, and is read by the aggregator's general path.
 */
export class ExportWalker {
  private depth = 0;
  private rootSeen = false;
  private correlationDepth = 0;
  private workoutElement: RawWorkout | undefined;
  private workoutDepth = 0;
  /** Per raw type string: its id, and how its value travels (-1 = whole record). */
  private readonly types = new Map<string, TypeRoute>();
  private readonly lastType = new LastValue<TypeRoute>();
  private readonly lastSource = new LastValue<number>();
  private readonly lastUnit = new LastValue<number>();
  private dateMs = 0;
  private dateOffset = 0;
  private readonly day = new LastDay();
  private readonly limits: WalkerLimits;

  constructor(
    private readonly writer: BatchWriter,
    limits: Partial<WalkerLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  openTag(tag: TagView, selfClosing: boolean): void {
    this.depth += 1;
    const depth = this.depth;
    if (!this.rootSeen) {
      this.rootSeen = true;
      if (!tag.nameIs(HEALTH_DATA)) {
        throw new ImportError(
          "ERR_IMPORT_UNSUPPORTED_FORMAT",
          `This is not an Apple Health export (its root element is <${tag.name()}>, not <HealthData>). Give export.zip or the export.xml inside it; export_cda.xml is not supported.`,
        );
      }
      return;
    }
    if (this.workoutElement) {
      if (tag.nameIs(WORKOUT_STATISTICS)) this.workoutElement.statistics.push(tag.toObject());
      return;
    }
    if (this.correlationDepth > 0) {
      if (depth === this.correlationDepth + 1 && tag.nameIs(RECORD)) this.writer.element(KIND_CORRELATED, tag.toObject());
      return;
    }
    if (tag.nameIs(RECORD)) {
      if (depth === 2) this.record(tag);
    } else if (tag.nameIs(CORRELATION)) {
      if (!selfClosing) this.correlationDepth = depth;
    } else if (tag.nameIs(WORKOUT)) {
      if (selfClosing) {
        this.writer.element(KIND_WORKOUT, { attributes: tag.toObject(), statistics: [] });
      } else {
        this.workoutElement = { attributes: tag.toObject(), statistics: [] };
        this.workoutDepth = depth;
      }
    } else if (tag.nameIs(ACTIVITY_SUMMARY)) {
      this.writer.element(KIND_ACTIVITY, tag.toObject());
    } else if (tag.nameIs(EXPORT_DATE)) {
      const value = tag.toObject().value;
      if (value) this.writer.element(KIND_EXPORT_DATE, value);
    } else if (tag.nameIs(ME)) {
      this.writer.element(KIND_ME, tag.toObject());
    }
  }

  closeTag(): void {
    if (this.workoutElement && this.depth === this.workoutDepth) {
      this.writer.element(KIND_WORKOUT, this.workoutElement);
      this.workoutElement = undefined;
    }
    if (this.correlationDepth > 0 && this.depth === this.correlationDepth) this.correlationDepth = 0;
    this.depth -= 1;
  }

  /** Distinct Record types seen so far. */
  get distinctTypes(): number {
    return this.types.size;
  }

  /** How many elements are open, when the walk is outside any Workout and Correlation; undefined otherwise. */
  depthBetween(): number | undefined {
    return this.workoutElement || this.correlationDepth > 0 ? undefined : this.depth;
  }

  /** Goes on at this depth (outside any Workout and Correlation), before any element. */
  resume(depth: number, rootSeen: boolean): void {
    this.depth = depth;
    this.rootSeen = rootSeen;
  }

  private typeInfo(raw: string): TypeRoute {
    let info = this.types.get(raw);
    if (info === undefined) {
      if (this.types.size >= this.limits.maxRecordTypes) {
        throw new ImportError(
          "ERR_IMPORT_TOO_MANY_TYPES",
          `The export has more than ${this.limits.maxRecordTypes} distinct record types (Apple Health uses a few hundred); it is not an export this importer can read.`,
        );
      }
      info = CORRELATABLE.test(raw) ? null : { id: this.writer.id(raw), text: valueIsText(raw) };
      this.types.set(raw, info);
    }
    return info;
  }

  private record(tag: TagView): void {
    let type = -1;
    let source = -1;
    let unit = -1;
    let start = -1;
    let end = -1;
    let value = -1;
    // By name length first: most attributes (sourceVersion, device, creationDate) match none.
    for (let i = 0; i < tag.count; i++) {
      switch (tag.nameLength(i)) {
        case 4:
          if (tag.attributeIs(i, TYPE)) type = i;
          else if (tag.attributeIs(i, UNIT)) unit = i;
          break;
        case 5:
          if (tag.attributeIs(i, VALUE)) value = i;
          break;
        case 7:
          if (tag.attributeIs(i, END_DATE)) end = i;
          break;
        case 9:
          if (tag.attributeIs(i, START_DATE)) start = i;
          break;
        case 10:
          if (tag.attributeIs(i, SOURCE_NAME)) source = i;
          break;
        default:
          break;
      }
    }
    let info: TypeRoute = null;
    if (type !== -1) {
      if (this.lastType.matches(tag, type)) {
        info = this.lastType.result ?? null;
      } else {
        info = this.typeInfo(tag.value(type));
        this.lastType.remember(tag, type, info);
      }
    }
    if (info === null || start === -1 || !this.date(tag, start)) {
      this.writer.element(KIND_RECORD, tag.toObject());
      return;
    }
    const startMs = this.dateMs;
    const startOffset = this.dateOffset;
    if (end !== -1 && !this.date(tag, end)) {
      this.writer.element(KIND_RECORD, tag.toObject());
      return;
    }
    const endMs = end === -1 ? startMs : this.dateMs;
    const endOffset = end === -1 ? startOffset : this.dateOffset;
    const writer = this.writer;
    const sourceId = source === -1 ? writer.id("unknown") : this.stringId(tag, source, this.lastSource);
    const unitId = unit === -1 ? writer.id("") : this.stringId(tag, unit, this.lastUnit);
    const number = info.text ? writer.id(value === -1 ? "" : tag.value(value)) : value === -1 ? Number.NaN : this.number(tag, value);
    writer.sample(info.id, sourceId, unitId, startMs, startOffset, endMs, endOffset, number);
  }

  private stringId(tag: TagView, index: number, last: LastValue<number>): number {
    if (last.matches(tag, index)) return last.result as number;
    const id = this.writer.id(tag.value(index));
    last.remember(tag, index, id);
    return id;
  }

  /**
   * Reads "2024-10-14 07:30:00 -0700" from the attribute's bytes into {@link dateMs} and
   * {@link dateOffset}. Only a date whose fields are all in range (no 31st of April, no leap
   * second) passes, so the local date, hour and weekday follow from these two numbers alone;
   * anything else returns false and the record takes the general path. Records come in runs of
   * one day and offset, so the day part is read once per run (see {@link day}) and each date
   * costs only its time of day.
   */
  private date(tag: TagView, index: number): boolean {
    const from = tag.valueStart(index);
    if (tag.valueEnd(index) - from !== 25 || tag.valueHasEntity(index)) return false;
    const bytes = tag.buffer;
    if (bytes[from + 10] !== 32 || bytes[from + 13] !== 58 || bytes[from + 16] !== 58 || bytes[from + 19] !== 32) return false;
    const hour = digitsAt(bytes, from + 11, 2);
    const minute = digitsAt(bytes, from + 14, 2);
    const second = digitsAt(bytes, from + 17, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
    if (!this.day.matches(bytes, from) && !this.readDay(bytes, from)) return false;
    this.dateMs = this.day.startMs + hour * 3_600_000 + minute * 60_000 + second * 1000;
    this.dateOffset = this.day.offset;
    return true;
  }

  /** Reads and checks a date's day and offset ("2024-10-14" and "-0700"), and remembers them. */
  private readDay(bytes: Uint8Array, from: number): boolean {
    if (bytes[from + 4] !== 45 || bytes[from + 7] !== 45) return false;
    const sign = bytes[from + 20];
    if (sign !== 43 && sign !== 45) return false;
    const year = digitsAt(bytes, from, 4);
    const month = digitsAt(bytes, from + 5, 2);
    const day = digitsAt(bytes, from + 8, 2);
    const offsetHours = digitsAt(bytes, from + 21, 2);
    const offsetMinutes = digitsAt(bytes, from + 23, 2);
    if (year < 100 || month < 1 || month > 12 || day < 1 || offsetHours < 0 || offsetMinutes < 0) return false;
    const leap = month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 1 : 0;
    if (day > (DAYS_IN_MONTH[month - 1] as number) + leap) return false;
    const offset = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
    this.day.remember(bytes, from, Date.UTC(year, month - 1, day) - offset * 60_000, offset);
    return true;
  }

  /**
   * The attribute's value as `Number()` reads it, NaN when missing or not finite. Plain decimals
   * are read from the bytes: digits as an exact integer divided by an exact power of ten is
   * correctly rounded, the same double `Number()` gives; other shapes go through `Number()`.
   */
  private number(tag: TagView, index: number): number {
    const bytes = tag.buffer;
    const from = tag.valueStart(index);
    const to = tag.valueEnd(index);
    let cursor = from;
    const negative = bytes[cursor] === 45;
    if (negative) cursor++;
    let mantissa = 0;
    let digits = 0;
    let fraction = -1;
    for (; cursor < to; cursor++) {
      const byte = bytes[cursor] as number;
      if (byte >= 48 && byte <= 57) {
        mantissa = mantissa * 10 + (byte - 48);
        digits++;
        if (fraction >= 0) fraction++;
      } else if (byte === 46 && fraction < 0) {
        fraction = 0;
      } else {
        break;
      }
    }
    if (cursor === to && digits > 0 && digits <= 15 && (fraction < 0 || fraction <= 22)) {
      const magnitude = fraction > 0 ? mantissa / (EXACT_POWERS[fraction] as number) : mantissa;
      return negative ? -magnitude : magnitude;
    }
    const text = tag.value(index);
    if (text === "") return Number.NaN;
    const parsed = Number(text);
    return Number.isFinite(parsed) ? parsed : Number.NaN;
  }
}

/** The import error for a syntax error of the scanner. */
export function malformedXml(error: XmlSyntaxError): ImportError {
  return new ImportError(
    "ERR_IMPORT_MALFORMED_XML",
    `The export XML is malformed at line ${error.line}, column ${error.column}: ${error.message.replace(/ \(line \d+, column \d+\)$/u, "")}. Export it again from the Health app; a cut-off file usually means the export or the copy did not finish.`,
    { cause: error, line: error.line, column: error.column },
  );
}

/** Any failure while reading, as the ImportError the user sees. */
export function readFailure(error: unknown): ImportError {
  if (error instanceof ImportError) return error;
  if (error instanceof XmlSyntaxError) return malformedXml(error);
  return new ImportError(
    "ERR_IMPORT_BAD_ZIP",
    `Reading the export failed (${(error as Error).message}); the file may be truncated. Export it again from the Health app.`,
    { cause: error },
  );
}

/**
 * Where a parse stands after a chunk that ended between two constructs, outside any Workout and
 * Correlation: everything another {@link ExportParser} (perhaps in another thread) needs to go on
 * with the same checks, line numbers and elements. String ids are not part of it: a parser that
 * goes on from here starts its own string table, and its batches are read with their own reader.
 */
export interface ResumePoint {
  scanner: ScannerPosition;
  /** Open elements, as the walker counts them (the same as the scanner's stack). */
  depth: number;
  /** Bytes before this point. */
  bytes: number;
}

/**
 * The walking half of a read: scanner, walker and batch writer over a stream of byte chunks.
 * Used in this thread by {@link readExport}, and on segments of the file by both threads of
 * {@link readExportInWorker}. Batches go to `emit` as they fill and after every chunk, so a
 * consumer in the same thread sees each chunk's elements before the next chunk is asked for.
 * A parse can stop after any chunk that ends between two constructs and go on in another parser:
 * see {@link resumePoint} and {@link resume}.
 */
export class ExportParser {
  private readonly writer: BatchWriter;
  private readonly walker: ExportWalker;
  private readonly scanner: ByteXmlScanner;
  private first = true;
  bytes = 0;

  constructor(emit: (batch: Batch) => void, limits?: Partial<WalkerLimits>, pool?: NumbersPool) {
    this.writer = new BatchWriter(emit, pool);
    const walker = new ExportWalker(this.writer, limits);
    this.walker = walker;
    this.scanner = new ByteXmlScanner({ openTag: (tag, selfClosing) => walker.openTag(tag, selfClosing), closeTag: () => walker.closeTag() });
  }

  write(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    let bytes = chunk;
    if (this.first) {
      this.first = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    this.scanner.write(bytes);
    this.writer.flush();
  }

  end(): void {
    this.scanner.end();
    this.writer.flush();
  }

  /** Where the parse stands, if another parser can go on from here (see {@link ResumePoint}). */
  resumePoint(): ResumePoint | undefined {
    const scanner = this.scanner.between();
    const depth = scanner && this.walker.depthBetween();
    return scanner && depth !== undefined ? { scanner, depth, bytes: this.bytes } : undefined;
  }

  /** Goes on from where another parser stood (see {@link resumePoint}), before any write. */
  resume(point: ResumePoint): void {
    this.scanner.resume(point.scanner);
    this.walker.resume(point.depth, point.scanner.rootSeen);
    this.bytes = point.bytes;
    this.first = false;
  }

  /** Bytes the scanner examined (a measure of work, for linearity tests). */
  get work(): number {
    return this.scanner.work;
  }
}

/**
 * Streams an export XML into a sink in this thread, holding at most one chunk and one element
 * at a time. The DOCTYPE is skipped, never processed: entities it declares are not expanded, so
 * an XML bomb or an external entity only ends the import with a malformed-XML error, and the
 * broken DTD of iOS 16 exports does not matter. Records inside a Correlation go to their own sink
 * method, since Apple normally repeats them at the top level.
 *
 * @throws {ImportError} ERR_IMPORT_MALFORMED_XML with line and column, or
 *   ERR_IMPORT_UNSUPPORTED_FORMAT when the root element is not HealthData.
 */
export async function readExport(
  stream: Readable,
  sink: ExportSink,
  onProgress: (bytes: number) => void = () => undefined,
  limits?: Partial<WalkerLimits>,
): Promise<ReadResult> {
  const reader = new BatchReader(sink);
  const pool = new NumbersPool();
  const parser = new ExportParser(
    (batch) => {
      reader.apply(batch);
      pool.give(batch.numbers);
    },
    limits,
    pool,
  );
  const hash = createHash("sha256");
  let reported = 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      parser.write(chunk as Buffer);
      if (parser.bytes - reported >= 4 << 20) {
        reported = parser.bytes;
        onProgress(parser.bytes);
      }
    }
    parser.end();
  } catch (error) {
    throw readFailure(error);
  }
  onProgress(parser.bytes);
  return { sha256: hash.digest("hex"), bytes: parser.bytes };
}
