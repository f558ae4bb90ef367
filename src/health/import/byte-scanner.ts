/**
 * A streaming, non-validating XML scanner over UTF-8 bytes, for element-and-attribute documents
 * such as Apple Health exports. It checks well-formedness (tag nesting, attribute syntax, entity
 * references, a single root), reports errors with line and column, and is built for speed and
 * safety:
 *
 * - it scans bytes, never decoded text: a start tag is reported as a {@link TagView} of offsets
 *   into the current chunk, and a caller decodes only the attribute values it needs;
 * - the DOCTYPE is skipped without being read, so no entity is ever defined, and a broken
 *   internal subset (iOS 16 exports) does not matter;
 * - only the five predefined entities and numeric character references are decoded; any other
 *   entity reference is an error, so an XML bomb or an external entity cannot expand;
 * - work is linear in the input: every byte is searched a bounded number of times (the next
 *   `<`, `&` and `;` are found once per chunk and reused), comments, CDATA, processing
 *   instructions and the DOCTYPE subset are skipped as they stream past without being kept, and
 *   any one construct that must be held whole (a tag, an entity reference) is capped in size;
 * - memory is bounded by that cap, whatever the document size.
 */

/** A well-formedness error at a 1-based line and column (in characters). */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} (line ${line}, column ${column})`);
    this.name = "XmlSyntaxError";
  }
}

/** Receives the document's elements in order. Views are only valid during the call. */
export interface ByteXmlHandlers {
  openTag(tag: TagView, selfClosing: boolean): void;
  /** The end of the innermost open element (right after openTag for a self-closing one). */
  closeTag(): void;
}

export interface ByteXmlScannerOptions {
  /** The largest tag (or entity reference) held whole while waiting for its end. Default 1 MiB. */
  maxConstructBytes?: number;
  /** The most attributes one element may have. Default 256. */
  maxAttributes?: number;
}

const DEFAULT_MAX_CONSTRUCT = 1024 * 1024;
const DEFAULT_MAX_ATTRIBUTES = 256;
/** How much of a new chunk finishes the construct the previous chunk ended in (see write). */
const BRIDGE_BYTES = 4096;

const LT = 60;
const GT = 62;
const AMP = 38;
const SEMI = 59;
const SLASH = 47;
const EQ = 61;
const QUOT = 34;
const APOS = 39;
const NL = 10;

/** 1 for the bytes {@link isNameChar} accepts: one load per byte in the name loops. */
const NAME_CHARS = Uint8Array.from({ length: 256 }, (_, code) => (isNameChar(code) ? 1 : 0));

function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    (code >= 48 && code <= 57) || // 0-9
    code === 95 || // _
    code === 58 || // :
    code === 45 || // -
    code === 46 || // .
    code > 127
  );
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

/** UTF-16 length of UTF-8 bytes: every byte that starts a character, twice for 4-byte ones. */
function utf16Length(bytes: Uint8Array, from: number, to: number): number {
  let length = 0;
  for (let i = from; i < to; i++) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) !== 0x80) length += byte >= 0xf0 ? 2 : 1;
  }
  return length;
}

function bytesOf(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

const PREFIX_COMMENT = bytesOf("<!--");
const PREFIX_CDATA = bytesOf("<![CDATA[");
const PREFIX_DOCTYPE = bytesOf("<!DOCTYPE");
const END_PI = bytesOf("?>");
const END_COMMENT = bytesOf("-->");
const END_CDATA = bytesOf("]]>");

function startsWith(buffer: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > buffer.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buffer[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * The value of a valid entity reference `&name;` (bytes between `&` and `;`), or undefined when it
 * is not one. Predefined entities and decimal or hexadecimal character references only.
 */
function entityValue(buffer: Uint8Array, from: number, to: number): string | undefined {
  const length = to - from;
  const c0 = buffer[from];
  if (length === 2 && buffer[from + 1] === 116 /* t */) {
    if (c0 === 108 /* l */) return "<";
    if (c0 === 103 /* g */) return ">";
    return undefined;
  }
  if (length === 3 && c0 === 97 && buffer[from + 1] === 109 && buffer[from + 2] === 112) return "&";
  if (length === 4 && c0 === 113 && buffer[from + 1] === 117 && buffer[from + 2] === 111 && buffer[from + 3] === 116) return '"';
  if (length === 4 && c0 === 97 && buffer[from + 1] === 112 && buffer[from + 2] === 111 && buffer[from + 3] === 115) return "'";
  if (c0 !== 35 /* # */ || length < 2) return undefined;
  const hex = buffer[from + 1] === 120; /* x */
  const first = from + (hex ? 2 : 1);
  if (first >= to) return undefined;
  let code = 0;
  for (let i = first; i < to; i++) {
    const byte = buffer[i] as number;
    let digit: number;
    if (byte >= 48 && byte <= 57) digit = byte - 48;
    else if (hex && byte >= 97 && byte <= 102) digit = byte - 87;
    else if (hex && byte >= 65 && byte <= 70) digit = byte - 55;
    else return undefined;
    code = code * (hex ? 16 : 10) + digit;
    if (code > 0x10ffff) return undefined;
  }
  return code > 0 ? String.fromCodePoint(code) : undefined;
}

/** Decodes an attribute value whose entities were checked by the scanner. */
function decodeValue(buffer: Buffer, from: number, to: number, hasEntity: boolean): string {
  if (!hasEntity) return buffer.toString("utf8", from, to);
  let value = "";
  let cursor = from;
  let amp = buffer.indexOf(AMP, cursor);
  while (amp !== -1 && amp < to) {
    const semicolon = buffer.indexOf(SEMI, amp);
    value += buffer.toString("utf8", cursor, amp) + (entityValue(buffer, amp + 1, semicolon) ?? "");
    cursor = semicolon + 1;
    amp = buffer.indexOf(AMP, cursor);
  }
  return value + buffer.toString("utf8", cursor, to);
}

/** Five numbers per attribute: name start, name end, value start, value end, has an entity. */
const FIELDS = 5;

/**
 * A start tag as offsets into the scanner's current chunk: valid only during the handler call.
 * Decoding is on demand, so an element whose attributes nobody reads costs no strings.
 */
export class TagView {
  buffer: Buffer = Buffer.alloc(0);
  nameStart = 0;
  nameEnd = 0;
  count = 0;
  readonly offsets: Int32Array;

  constructor(maxAttributes: number) {
    this.offsets = new Int32Array(maxAttributes * FIELDS);
  }

  name(): string {
    return this.buffer.toString("utf8", this.nameStart, this.nameEnd);
  }

  /** Whether the element's name is exactly these (ASCII) bytes. */
  nameIs(bytes: Uint8Array): boolean {
    if (this.nameEnd - this.nameStart !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (this.buffer[this.nameStart + i] !== bytes[i]) return false;
    return true;
  }

  /** Whether attribute `index`'s name is exactly these (ASCII) bytes. */
  attributeIs(index: number, bytes: Uint8Array): boolean {
    const start = this.offsets[index * FIELDS] as number;
    if ((this.offsets[index * FIELDS + 1] as number) - start !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (this.buffer[start + i] !== bytes[i]) return false;
    return true;
  }

  /** The length in bytes of attribute `index`'s name. */
  nameLength(index: number): number {
    return (this.offsets[index * FIELDS + 1] as number) - (this.offsets[index * FIELDS] as number);
  }

  attributeName(index: number): string {
    return this.buffer.toString("utf8", this.offsets[index * FIELDS], this.offsets[index * FIELDS + 1]);
  }

  /** Where attribute `index`'s raw value starts and ends in {@link buffer}. */
  valueStart(index: number): number {
    return this.offsets[index * FIELDS + 2] as number;
  }

  valueEnd(index: number): number {
    return this.offsets[index * FIELDS + 3] as number;
  }

  /** Whether the raw value holds an entity reference (and so differs from its bytes). */
  valueHasEntity(index: number): boolean {
    return this.offsets[index * FIELDS + 4] === 1;
  }

  /** The decoded value of attribute `index`. */
  value(index: number): string {
    const base = index * FIELDS;
    return decodeValue(this.buffer, this.offsets[base + 2] as number, this.offsets[base + 3] as number, this.offsets[base + 4] === 1);
  }

  /** Every attribute, decoded, in a null-prototype object (so `__proto__` is just a name). */
  toObject(): Record<string, string> {
    const object = Object.create(null) as Record<string, string>;
    for (let i = 0; i < this.count; i++) object[this.attributeName(i)] = this.value(i);
    return object;
  }
}

/**
 * Where a scan stands between two chunks when it holds nothing (see
 * {@link ByteXmlScanner.between}): enough for another scanner, in another thread, to go on.
 */
export interface ScannerPosition {
  linesBefore: number;
  columnCarry: number;
  /** Names of the open elements, outermost first. */
  stack: string[];
  rootSeen: boolean;
  rootClosed: boolean;
  work: number;
}

/** Signals that the buffer ends inside a construct: wait for more bytes. Never leaves the scanner. */
class IncompleteConstruct extends Error {}
const INCOMPLETE = new IncompleteConstruct("incomplete construct");

/** A construct skipped as it streams past: what ends it, and where it began (for errors). */
interface Skipping {
  terminator: Uint8Array | "doctype-subset";
  line: number;
  column: number;
}

/**
 * Streaming XML over bytes. Feed chunks with {@link write} and finish with {@link end}.
 *
 * @example
 * ```ts
 * const scanner = new ByteXmlScanner({ openTag: (tag) => console.log(tag.name()), closeTag: () => undefined });
 * scanner.write(Buffer.from("<HealthData><Record type='x'/></HealthData>"));
 * scanner.end();
 * ```
 */
export class ByteXmlScanner {
  private buffer: Buffer = Buffer.alloc(0);
  /** Newlines before `buffer[0]`, and UTF-16 units between the last of them and `buffer[0]`. */
  private linesBefore = 0;
  private columnCarry = 0;
  private stack: string[] = [];
  private rootClosed = false;
  private rootSeen = false;
  private ended = false;
  private skipping: Skipping | undefined;
  /**
   * How much of the held construct (at `buffer[0]`) was already scanned without finding its
   * end: a tag cannot end before a new `>`, nor a reference before a new `;`, so a long construct
   * arriving in many chunks is rescanned only when one of those arrives, not on every chunk.
   */
  private scannedTo = 0;
  /** Cached positions of the next `<`, `&` and `;` in the buffer (buffer length when none). */
  private nextLt = -1;
  private nextAmp = -1;
  private nextSemi = -1;
  private readonly view: TagView;
  private readonly maxConstruct: number;
  private readonly maxAttributes: number;
  /** Bytes examined by searches and loops, for tests that check the work stays linear. */
  work = 0;

  constructor(
    private readonly handlers: ByteXmlHandlers,
    options: ByteXmlScannerOptions = {},
  ) {
    this.maxConstruct = options.maxConstructBytes ?? DEFAULT_MAX_CONSTRUCT;
    this.maxAttributes = options.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
    this.view = new TagView(this.maxAttributes);
  }

  /**
   * Feeds the next bytes; complete constructs are reported at once. The chunk is scanned where it
   * lies: a construct left over from the previous chunk is finished on a small bridge (its bytes
   * and the chunk's first few KiB), so the chunk itself is copied only when that construct is
   * longer than the bridge.
   */
  write(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const held = this.buffer.length;
    if (held === 0) {
      this.buffer = bytes;
    } else if (bytes.length > BRIDGE_BYTES) {
      this.buffer = Buffer.concat([this.buffer, bytes.subarray(0, BRIDGE_BYTES)]);
      const consumed = this.scan(false);
      this.discard(consumed);
      if (consumed >= held) {
        this.buffer = bytes.subarray(consumed - held);
        this.scannedTo = 0;
      } else {
        this.buffer = Buffer.concat([this.buffer, bytes.subarray(BRIDGE_BYTES)]);
      }
    } else {
      this.buffer = Buffer.concat([this.buffer, bytes]);
    }
    const consumed = this.scan(false);
    this.discard(consumed);
    this.scannedTo = this.skipping ? 0 : this.buffer.length;
    if (this.buffer.length > this.maxConstruct) {
      this.fail(`a single tag or reference is larger than ${Math.round(this.maxConstruct / 1024)} KiB (the limit for one construct)`, 0);
    }
  }

  /**
   * The scan's position when the last chunk ended between two constructs (nothing held, nothing
   * being skipped), or undefined otherwise: then the scan can only go on here, with more bytes.
   */
  between(): ScannerPosition | undefined {
    if (this.buffer.length > 0 || this.skipping || this.ended) return undefined;
    const { linesBefore, columnCarry, rootSeen, rootClosed, work } = this;
    return { linesBefore, columnCarry, stack: [...this.stack], rootSeen, rootClosed, work };
  }

  /** Goes on from a position another scanner reported with {@link between}, before any write. */
  resume(position: ScannerPosition): void {
    this.linesBefore = position.linesBefore;
    this.columnCarry = position.columnCarry;
    this.stack = [...position.stack];
    this.rootSeen = position.rootSeen;
    this.rootClosed = position.rootClosed;
    this.work = position.work;
  }

  /** Declares the end of the document: anything unfinished is an error. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const consumed = this.scan(true);
    this.discard(consumed);
    if (this.skipping) {
      throw new XmlSyntaxError("the document ends inside a comment, CDATA section or DOCTYPE: the file is truncated", this.skipping.line, this.skipping.column);
    }
    for (let i = 0; i < this.buffer.length; i++) {
      if (!isSpace(this.buffer[i] as number)) this.fail("the document ends inside a tag", 0);
    }
    if (this.stack.length > 0) this.fail(`the document ends before </${this.stack.at(-1) ?? ""}>: the file is truncated`, 0);
    if (!this.rootSeen) this.fail("the document has no root element", 0);
  }

  private discard(consumed: number): void {
    if (consumed === 0) return;
    const buffer = this.buffer;
    let lastNewline = -1;
    let index = buffer.indexOf(NL);
    while (index !== -1 && index < consumed) {
      this.linesBefore += 1;
      lastNewline = index;
      index = buffer.indexOf(NL, index + 1);
    }
    this.work += consumed;
    this.columnCarry = lastNewline === -1 ? this.columnCarry + utf16Length(buffer, 0, consumed) : utf16Length(buffer, lastNewline + 1, consumed);
    this.buffer = buffer.subarray(consumed);
  }

  private position(at: number): { line: number; column: number } {
    let line = this.linesBefore + 1;
    let lineStart = -1;
    let index = this.buffer.indexOf(NL);
    while (index !== -1 && index < at) {
      line += 1;
      lineStart = index;
      index = this.buffer.indexOf(NL, index + 1);
    }
    const column = (lineStart === -1 ? this.columnCarry + utf16Length(this.buffer, 0, at) : utf16Length(this.buffer, lineStart + 1, at)) + 1;
    return { line, column };
  }

  private fail(message: string, at: number): never {
    const { line, column } = this.position(at);
    throw new XmlSyntaxError(message, line, column);
  }

  private findLt(from: number): number {
    if (this.nextLt < from) {
      // The next tag is usually a few bytes away (a newline and an indent): look there first.
      const buffer = this.buffer;
      const near = Math.min(buffer.length, from + 16);
      for (let i = from; i < near; i++) {
        if (buffer[i] === LT) {
          this.work += i - from;
          this.nextLt = i;
          return i;
        }
      }
      const found = buffer.indexOf(LT, from);
      this.work += (found === -1 ? this.buffer.length : found) - from;
      this.nextLt = found === -1 ? this.buffer.length : found;
    }
    return this.nextLt;
  }

  private findAmp(from: number): number {
    if (this.nextAmp < from) {
      const found = this.buffer.indexOf(AMP, from);
      this.work += (found === -1 ? this.buffer.length : found) - from;
      this.nextAmp = found === -1 ? this.buffer.length : found;
    }
    return this.nextAmp;
  }

  private findSemi(from: number): number {
    if (this.nextSemi < from) {
      const found = this.buffer.indexOf(SEMI, from);
      this.work += (found === -1 ? this.buffer.length : found) - from;
      this.nextSemi = found === -1 ? this.buffer.length : found;
    }
    return this.nextSemi;
  }

  /** Processes as many whole constructs as the buffer holds; returns how many bytes were used. */
  private scan(final: boolean): number {
    const buffer = this.buffer;
    const length = buffer.length;
    this.nextLt = -1;
    this.nextAmp = -1;
    this.nextSemi = -1;
    let position = 0;
    const held = buffer[0] === AMP || (buffer[0] === LT && length > 1 && buffer[1] !== 33 && buffer[1] !== 63);
    if (!final && this.scannedTo > 1 && held && !this.skipping) {
      const needed = buffer[0] === AMP ? SEMI : GT;
      const found = buffer.indexOf(needed, this.scannedTo);
      this.work += (found === -1 ? length : found) - this.scannedTo;
      if (found === -1) return 0;
    }
    if (this.skipping) {
      const end = this.skipEnd(0);
      if (end === -1) return this.skipKeep();
      this.skipping = undefined;
      position = end;
    }
    for (;;) {
      const open = this.findLt(position);
      if (open === length) {
        // Keep a trailing '&' whose ';' has not arrived yet, so its entity is still checked.
        const amp = buffer.lastIndexOf(AMP);
        const keep = !final && amp >= position && buffer.indexOf(SEMI, amp) === -1 ? amp : length;
        this.checkText(position, keep);
        return keep;
      }
      this.checkText(position, open);
      if (open + 1 >= length) return open;
      try {
        position = this.construct(open);
      } catch (error) {
        if (error === INCOMPLETE) {
          if (final) this.fail("the document ends inside a tag: the file is truncated", open);
          return open;
        }
        throw error;
      }
      if (this.skipping) return this.skipKeep();
    }
  }

  /** While skipping, how much of the buffer can go: all but what might start the terminator. */
  private skipKeep(): number {
    const skipping = this.skipping as Skipping;
    const keep = skipping.terminator === "doctype-subset" ? this.doctypeKeep() : skipping.terminator.length - 1;
    return Math.max(0, this.buffer.length - keep);
  }

  /** For a DOCTYPE subset: keep from the last `]` if only spaces follow it. */
  private doctypeKeep(): number {
    const bracket = this.buffer.lastIndexOf(93);
    if (bracket === -1) return 0;
    for (let i = bracket + 1; i < this.buffer.length; i++) if (!isSpace(this.buffer[i] as number)) return 0;
    return this.buffer.length - bracket;
  }

  /** The index after the terminator of the construct being skipped, or -1 when not in the buffer. */
  private skipEnd(from: number): number {
    const skipping = this.skipping as Skipping;
    const buffer = this.buffer;
    if (skipping.terminator !== "doctype-subset") {
      const end = buffer.indexOf(skipping.terminator, from);
      this.work += (end === -1 ? buffer.length : end) - from;
      return end === -1 ? -1 : end + skipping.terminator.length;
    }
    let bracket = buffer.indexOf(93, from);
    this.work += (bracket === -1 ? buffer.length : bracket) - from;
    while (bracket !== -1) {
      let cursor = bracket + 1;
      while (cursor < buffer.length && isSpace(buffer[cursor] as number)) cursor++;
      this.work += cursor - bracket;
      if (cursor < buffer.length && buffer[cursor] === GT) return cursor + 1;
      if (cursor >= buffer.length) return -1;
      const next = buffer.indexOf(93, cursor);
      this.work += (next === -1 ? buffer.length : next) - cursor;
      bracket = next;
    }
    return -1;
  }

  /** Starts skipping a construct that opened at `open`; returns where scanning goes on. */
  private passOver(open: number, terminator: Skipping["terminator"], from: number): number {
    this.skipping = { terminator, line: 0, column: 0 };
    const end = this.skipEnd(from);
    if (end !== -1) {
      this.skipping = undefined;
      return end;
    }
    const { line, column } = this.position(open);
    this.skipping = { terminator, line, column };
    return this.buffer.length;
  }

  /** Text outside tags: only allowed inside the root, and only with valid entity references. */
  private checkText(from: number, to: number): void {
    if (from >= to) return;
    const buffer = this.buffer;
    if (this.stack.length === 0) {
      this.work += to - from;
      for (let i = from; i < to; i++) {
        if (!isSpace(buffer[i] as number)) this.fail("text outside the root element", i);
      }
      return;
    }
    if (to - from <= 16) {
      // Usually a newline and an indent between two tags: nothing to check when it has no `&`.
      let plain = true;
      for (let i = from; i < to; i++) if (buffer[i] === AMP) plain = false;
      this.work += to - from;
      if (plain) return;
    }
    let amp = this.findAmp(from);
    while (amp < to) {
      const semicolon = this.findSemi(amp);
      if (semicolon > to) return;
      this.checkEntity(amp, semicolon);
      amp = this.findAmp(semicolon);
    }
  }

  private checkEntity(amp: number, semicolon: number): void {
    if (entityValue(this.buffer, amp + 1, semicolon) !== undefined) return;
    const name = this.buffer.toString("utf8", amp + 1, Math.min(semicolon, amp + 1 + 160));
    if (name.startsWith("#")) this.fail(`invalid character reference &${name.slice(0, 40)};`, amp);
    this.fail(`undefined entity &${name.slice(0, 40)}; (entities are never expanded)`, amp);
  }

  /** Handles the construct starting at `open` (a '<'); returns the index after it. */
  private construct(open: number): number {
    const buffer = this.buffer;
    const next = buffer[open + 1];
    if (next === 63 /* ? */) return this.passOver(open, END_PI, open + 2);
    if (next === 33 /* ! */) {
      if (startsWith(buffer, open, PREFIX_COMMENT)) return this.passOver(open, END_COMMENT, open + 2);
      if (startsWith(buffer, open, PREFIX_CDATA)) return this.passOver(open, END_CDATA, open + 2);
      if (buffer.length - open < 9) throw INCOMPLETE;
      if (startsWith(buffer, open, PREFIX_DOCTYPE)) return this.doctype(open);
      this.fail("unknown markup declaration", open);
    }
    if (next === SLASH) return this.closeTag(open);
    return this.openTag(open);
  }

  /**
   * Skips `<!DOCTYPE ...>` without reading its declarations. With an internal subset, the
   * DOCTYPE ends at the first `]` followed by optional space and `>`; nothing inside matters.
   */
  private doctype(open: number): number {
    if (this.rootSeen) this.fail("a DOCTYPE after the root element", open);
    const buffer = this.buffer;
    for (let cursor = open + 9; cursor < buffer.length; cursor++) {
      const byte = buffer[cursor];
      if (byte === GT) {
        this.work += cursor - open;
        return cursor + 1;
      }
      if (byte === 91 /* [ */) {
        this.work += cursor - open;
        return this.passOver(open, "doctype-subset", cursor);
      }
    }
    throw INCOMPLETE;
  }

  private readName(start: number): number {
    const buffer = this.buffer;
    let end = start;
    const length = buffer.length;
    while (end < length && NAME_CHARS[buffer[end] as number] === 1) end++;
    if (end === length) throw INCOMPLETE;
    if (end === start) this.fail("expected a name", start);
    return end;
  }

  private closeTag(open: number): number {
    const buffer = this.buffer;
    const nameEnd = this.readName(open + 2);
    let cursor = nameEnd;
    while (cursor < buffer.length && isSpace(buffer[cursor] as number)) cursor++;
    if (cursor === buffer.length) throw INCOMPLETE;
    const name = buffer.toString("utf8", open + 2, nameEnd);
    if (buffer[cursor] !== GT) this.fail(`expected '>' to end </${name}>`, cursor);
    const expected = this.stack.pop();
    if (expected !== name) {
      this.fail(expected ? `</${name}> does not close <${expected}>` : `</${name}> closes nothing`, open);
    }
    if (this.stack.length === 0) this.rootClosed = true;
    this.work += cursor - open;
    this.handlers.closeTag();
    return cursor + 1;
  }

  /** Reads a start tag byte by byte into the view: to wait for the rest of it, or to say what is wrong. */
  private openTag(open: number): number {
    const buffer = this.buffer;
    const length = buffer.length;
    const view = this.view;
    const offsets = view.offsets;
    const nameEnd = this.readName(open + 1);
    if (this.rootClosed) this.fail(`<${buffer.toString("utf8", open + 1, nameEnd)}> after the root element was closed`, open);
    view.buffer = buffer;
    view.nameStart = open + 1;
    view.nameEnd = nameEnd;
    let count = 0;
    let cursor = nameEnd;
    /** A 32-bit filter of the attribute names so far: only a name whose bit is set can be a duplicate. */
    let seen = 0;
    for (;;) {
      const spaceStart = cursor;
      while (cursor < length && isSpace(buffer[cursor] as number)) cursor++;
      if (cursor >= length) throw INCOMPLETE;
      const code = buffer[cursor];
      if (code === GT || code === SLASH) {
        const selfClosing = code === SLASH;
        if (selfClosing) {
          if (cursor + 1 >= length) throw INCOMPLETE;
          if (buffer[cursor + 1] !== GT) this.fail("expected '>' after '/'", cursor + 1);
          cursor += 1;
        }
        view.count = count;
        this.work += cursor - open;
        this.emitStartTag(selfClosing);
        return cursor + 1;
      }
      if (cursor === spaceStart) this.fail(`expected a space before the next attribute of <${view.name()}>`, cursor);
      const attributeStart = cursor;
      const attributeEnd = this.readName(cursor);
      cursor = attributeEnd;
      while (cursor < length && isSpace(buffer[cursor] as number)) cursor++;
      if (cursor >= length) throw INCOMPLETE;
      if (buffer[cursor] !== EQ) this.fail(`expected '=' after attribute ${buffer.toString("utf8", attributeStart, attributeEnd)}`, cursor);
      cursor++;
      while (cursor < length && isSpace(buffer[cursor] as number)) cursor++;
      if (cursor >= length) throw INCOMPLETE;
      const quote = buffer[cursor] as number;
      if (quote !== QUOT && quote !== APOS) this.fail(`expected a quoted value for attribute ${buffer.toString("utf8", attributeStart, attributeEnd)}`, cursor);
      // Values are short: one pass over their bytes finds the closing quote and the first `<`,
      // and checks each entity reference on the way, for less than a native search costs per
      // call. Errors wait for the end of the value, to be reported in the order of the checks.
      const valueStart = cursor + 1;
      let valueEnd = valueStart;
      let less = -1;
      let hasEntity = 0;
      /** The first `&` that is not a valid reference, and its `;` (-1 when there is none before the quote). */
      let badAmp = -1;
      let badSemicolon = -1;
      for (; valueEnd < length; valueEnd++) {
        const byte = buffer[valueEnd];
        if (byte === quote) break;
        if (byte === AMP) {
          hasEntity = 1;
          let semicolon = valueEnd + 1;
          for (; semicolon < length; semicolon++) {
            const inner = buffer[semicolon];
            if (inner === SEMI || inner === quote) break;
            if (inner === LT && less === -1) less = semicolon;
          }
          if (semicolon >= length) throw INCOMPLETE;
          if (buffer[semicolon] === quote) {
            if (badAmp === -1) [badAmp, badSemicolon] = [valueEnd, -1];
            valueEnd = semicolon - 1;
          } else {
            if (badAmp === -1 && entityValue(buffer, valueEnd + 1, semicolon) === undefined) [badAmp, badSemicolon] = [valueEnd, semicolon];
            valueEnd = semicolon;
          }
        } else if (byte === LT && less === -1) {
          less = valueEnd;
        }
      }
      if (valueEnd >= length) throw INCOMPLETE;
      this.work += valueEnd - valueStart;
      const key = (attributeEnd - attributeStart + (buffer[attributeStart] as number) + (buffer[attributeEnd - 1] as number) * 3) & 31;
      if ((seen & (1 << key)) !== 0 && this.duplicate(count, attributeStart, attributeEnd)) {
        this.fail(`attribute ${buffer.toString("utf8", attributeStart, attributeEnd)} appears twice`, cursor);
      }
      seen |= 1 << key;
      if (count === this.maxAttributes) this.fail(`an element with more than ${this.maxAttributes} attributes`, attributeStart);
      if (less !== -1) this.fail("'<' inside an attribute value", less);
      if (badAmp !== -1) {
        if (badSemicolon === -1) this.fail("'&' without ';' in an attribute value", badAmp);
        this.checkEntity(badAmp, badSemicolon);
      }
      const base = count * FIELDS;
      offsets[base] = attributeStart;
      offsets[base + 1] = attributeEnd;
      offsets[base + 2] = valueStart;
      offsets[base + 3] = valueEnd;
      offsets[base + 4] = hasEntity;
      count += 1;
      cursor = valueEnd + 1;
    }
  }

  /** Whether an attribute of this tag already has the name at `start..end`. */
  private duplicate(count: number, start: number, end: number): boolean {
    const buffer = this.buffer;
    const offsets = this.view.offsets;
    const length = end - start;
    for (let i = 0; i < count; i++) {
      const otherStart = offsets[i * FIELDS] as number;
      if ((offsets[i * FIELDS + 1] as number) - otherStart !== length || buffer[otherStart] !== buffer[start]) continue;
      let same = true;
      for (let j = 1; j < length; j++) {
        if (buffer[otherStart + j] !== buffer[start + j]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  /** Reports a complete start tag (and, when self-closing, its end) and tracks nesting. */
  private emitStartTag(selfClosing: boolean): void {
    this.rootSeen = true;
    if (!selfClosing) this.stack.push(this.view.name());
    this.handlers.openTag(this.view, selfClosing);
    if (selfClosing) {
      if (this.stack.length === 0) this.rootClosed = true;
      this.handlers.closeTag();
    }
  }
}
