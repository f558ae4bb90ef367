/**
 * A streaming, non-validating XML scanner for element-and-attribute documents such as Apple
 * Health exports. It checks well-formedness (tag nesting, attribute syntax, entity references,
 * a single root) and reports errors with line and column, and it is built for safety:
 *
 * - the DOCTYPE is skipped without being read: no declaration in it is processed, so no entity
 *   is ever defined, and a broken internal subset (iOS 16 exports) does not matter;
 * - only the five predefined entities and numeric character references are decoded; any other
 *   entity reference is an error, so an XML bomb or an external entity cannot expand;
 * - memory is bounded by the largest single tag, whatever the document size.
 *
 * Text content, comments, processing instructions and CDATA are skipped.
 */

export interface XmlHandlers {
  openTag(name: string, attributes: Record<string, string>, selfClosing: boolean): void;
  closeTag(name: string): void;
}

/** A well-formedness error at a 1-based line and column. */
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

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
/** The longest single construct we buffer while waiting for its end: 64 MB. */
const MAX_PENDING = 64 * 1024 * 1024;

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

const NAME = /[A-Za-z_:\u0080-\uFFFF][-A-Za-z0-9_.:\u0080-\uFFFF]*/y;
const ATTRIBUTE = /[ \t\r\n]+([A-Za-z_:\u0080-\uFFFF][-A-Za-z0-9_.:\u0080-\uFFFF]*)[ \t\r\n]*=[ \t\r\n]*(?:"([^"<]*)"|'([^'<]*)')/y;
const TAG_END = /[ \t\r\n]*(\/?)>/y;

/** Signals that the buffer ends inside a construct: wait for more text. Never leaves the scanner. */
class IncompleteConstruct extends Error {}
const INCOMPLETE = new IncompleteConstruct("incomplete construct");

export class XmlScanner {
  private buffer = "";
  /** Newlines before `buffer[0]`, and where the line holding `buffer[0]` began (negative = earlier). */
  private linesBefore = 0;
  private lineStart = 0;
  private readonly stack: string[] = [];
  private rootClosed = false;
  private rootSeen = false;
  private ended = false;

  constructor(private readonly handlers: XmlHandlers) {}

  /** Feeds the next piece of text; complete constructs are reported at once. */
  write(text: string): void {
    this.buffer = this.buffer.length === 0 ? text : this.buffer + text;
    const consumed = this.scan(false);
    this.discard(consumed);
    if (this.buffer.length > MAX_PENDING) this.fail("a single tag is larger than 64 MB", 0);
  }

  /** Declares the end of the document: anything unfinished is an error. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const consumed = this.scan(true);
    this.discard(consumed);
    if (this.buffer.trim().length > 0) this.fail("the document ends inside a tag", 0);
    if (this.stack.length > 0) this.fail(`the document ends before </${this.stack.at(-1) ?? ""}>: the file is truncated`, 0);
    if (!this.rootSeen) this.fail("the document has no root element", 0);
  }

  private discard(consumed: number): void {
    if (consumed === 0) return;
    let index = this.buffer.indexOf("\n");
    let lastNewline = -1;
    while (index !== -1 && index < consumed) {
      this.linesBefore += 1;
      lastNewline = index;
      index = this.buffer.indexOf("\n", index + 1);
    }
    this.lineStart = lastNewline === -1 ? this.lineStart - consumed : lastNewline + 1 - consumed;
    this.buffer = this.buffer.slice(consumed);
  }

  private fail(message: string, position: number): never {
    let line = this.linesBefore + 1;
    let lineStart = this.lineStart;
    let index = this.buffer.indexOf("\n");
    while (index !== -1 && index < position) {
      line += 1;
      lineStart = index + 1;
      index = this.buffer.indexOf("\n", index + 1);
    }
    throw new XmlSyntaxError(message, line, position - lineStart + 1);
  }

  /** Processes as many whole constructs as the buffer holds; returns how many characters were used. */
  private scan(final: boolean): number {
    const text = this.buffer;
    let position = 0;
    for (;;) {
      const open = text.indexOf("<", position);
      if (open === -1) {
        // Keep a trailing '&' whose ';' has not arrived yet, so its entity is still checked.
        const amp = text.lastIndexOf("&");
        const keep = !final && amp >= position && text.indexOf(";", amp) === -1 ? amp : text.length;
        this.checkText(text, position, keep);
        return keep;
      }
      this.checkText(text, position, open);
      if (open + 1 >= text.length) return open;
      try {
        position = this.construct(text, open);
      } catch (error) {
        if (error === INCOMPLETE) {
          if (final) this.fail("the document ends inside a tag: the file is truncated", open);
          return open;
        }
        throw error;
      }
    }
  }

  /** Text outside tags: only allowed inside the root, and only with valid entity references. */
  private checkText(text: string, from: number, to: number): void {
    if (from >= to) return;
    if (this.stack.length === 0) {
      for (let i = from; i < to; i++) {
        if (!isSpace(text.charCodeAt(i))) this.fail("text outside the root element", i);
      }
      return;
    }
    let amp = text.indexOf("&", from);
    while (amp !== -1 && amp < to) {
      const semicolon = text.indexOf(";", amp);
      if (semicolon === -1 || semicolon > to) return;
      this.entity(text, amp, semicolon);
      amp = text.indexOf("&", semicolon);
    }
  }

  private entity(text: string, amp: number, semicolon: number): string {
    const name = text.slice(amp + 1, semicolon);
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    if (name.startsWith("#")) {
      const code = name.startsWith("#x") ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      if (Number.isInteger(code) && code > 0 && code <= 0x10ffff && /^#(x[0-9a-fA-F]+|[0-9]+)$/u.test(name)) {
        return String.fromCodePoint(code);
      }
      this.fail(`invalid character reference &${name};`, amp);
    }
    return this.fail(`undefined entity &${name.slice(0, 40)}; (entities are never expanded)`, amp);
  }

  /** Handles the construct starting at `open` (a '<'); returns the index after it. */
  private construct(text: string, open: number): number {
    const next = text.charCodeAt(open + 1);
    if (next === 63 /* ? */) return this.skipUntil(text, open, "?>");
    if (next === 33 /* ! */) {
      if (text.startsWith("<!--", open)) return this.skipUntil(text, open, "-->");
      if (text.startsWith("<![CDATA[", open)) return this.skipUntil(text, open, "]]>");
      if (text.length - open < 9) throw INCOMPLETE;
      if (text.startsWith("<!DOCTYPE", open)) return this.skipDoctype(text, open);
      this.fail("unknown markup declaration", open);
    }
    if (next === 47 /* / */) return this.closeTag(text, open);
    return this.openTag(text, open);
  }

  private skipUntil(text: string, open: number, terminator: string): number {
    const end = text.indexOf(terminator, open + 2);
    if (end === -1) throw INCOMPLETE;
    return end + terminator.length;
  }

  /**
   * Skips `<!DOCTYPE ...>` without reading its declarations. With an internal subset, the
   * DOCTYPE ends at the first `]` followed by optional space and `>`; nothing inside matters.
   */
  private skipDoctype(text: string, open: number): number {
    if (this.rootSeen) this.fail("a DOCTYPE after the root element", open);
    const bracket = text.indexOf("[", open);
    const close = text.indexOf(">", open);
    if (close === -1) throw INCOMPLETE;
    if (bracket === -1 || bracket > close) return close + 1;
    const subsetEnd = /\][ \t\r\n]*>/gu;
    subsetEnd.lastIndex = bracket;
    const match = subsetEnd.exec(text);
    if (!match) throw INCOMPLETE;
    return match.index + match[0].length;
  }

  private readName(text: string, start: number): number {
    let end = start;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    if (end === text.length) throw INCOMPLETE;
    if (end === start) this.fail("expected a name", start);
    return end;
  }

  private closeTag(text: string, open: number): number {
    const nameEnd = this.readName(text, open + 2);
    const name = text.slice(open + 2, nameEnd);
    let cursor = nameEnd;
    while (cursor < text.length && isSpace(text.charCodeAt(cursor))) cursor++;
    if (cursor === text.length) throw INCOMPLETE;
    if (text.charCodeAt(cursor) !== 62) this.fail(`expected '>' to end </${name}>`, cursor);
    const expected = this.stack.pop();
    if (expected !== name) {
      this.fail(expected ? `</${name}> does not close <${expected}>` : `</${name}> closes nothing`, open);
    }
    if (this.stack.length === 0) this.rootClosed = true;
    this.handlers.closeTag(name);
    return cursor + 1;
  }

  /**
   * The fast path: sticky regular expressions read the name and each attribute. Anything they
   * do not match (a tag cut off by the chunk end, or malformed) goes to {@link slowOpenTag},
   * which either waits for more text or names the error.
   */
  private openTag(text: string, open: number): number {
    NAME.lastIndex = open + 1;
    const nameMatch = NAME.exec(text);
    if (!nameMatch || NAME.lastIndex >= text.length) return this.slowOpenTag(text, open);
    const name = nameMatch[0];
    if (this.rootClosed) this.fail(`<${name}> after the root element was closed`, open);
    const attributes: Record<string, string> = {};
    let cursor = NAME.lastIndex;
    for (;;) {
      ATTRIBUTE.lastIndex = cursor;
      const attribute = ATTRIBUTE.exec(text);
      if (!attribute) break;
      const attributeName = attribute[1] as string;
      if (attributeName in attributes) return this.slowOpenTag(text, open);
      const raw = attribute[2] ?? attribute[3] ?? "";
      const valueStart = attribute.index + attribute[0].length - raw.length - 1;
      attributes[attributeName] = raw.includes("&") ? this.attributeValue(text, valueStart, valueStart + raw.length) : raw;
      cursor = ATTRIBUTE.lastIndex;
    }
    TAG_END.lastIndex = cursor;
    const end = TAG_END.exec(text);
    if (!end) return this.slowOpenTag(text, open);
    this.emitStartTag(name, attributes, end[1] === "/");
    return TAG_END.lastIndex;
  }

  /** Reports a complete start tag (and, when self-closing, its end) and tracks nesting. */
  private emitStartTag(name: string, attributes: Record<string, string>, selfClosing: boolean): void {
    this.rootSeen = true;
    if (!selfClosing) this.stack.push(name);
    this.handlers.openTag(name, attributes, selfClosing);
    if (selfClosing) {
      if (this.stack.length === 0) this.rootClosed = true;
      this.handlers.closeTag(name);
    }
  }

  /** Reads a start tag character by character: to wait for the rest of it, or to say what is wrong. */
  private slowOpenTag(text: string, open: number): number {
    const nameEnd = this.readName(text, open + 1);
    const name = text.slice(open + 1, nameEnd);
    if (this.rootClosed) this.fail(`<${name}> after the root element was closed`, open);
    const attributes: Record<string, string> = {};
    let cursor = nameEnd;
    for (;;) {
      const spaceStart = cursor;
      while (cursor < text.length && isSpace(text.charCodeAt(cursor))) cursor++;
      if (cursor >= text.length) throw INCOMPLETE;
      const code = text.charCodeAt(cursor);
      if (code === 62 /* > */ || code === 47 /* / */) {
        const selfClosing = code === 47;
        if (selfClosing) {
          if (cursor + 1 >= text.length) throw INCOMPLETE;
          if (text.charCodeAt(cursor + 1) !== 62) this.fail("expected '>' after '/'", cursor + 1);
          cursor += 1;
        }
        this.emitStartTag(name, attributes, selfClosing);
        return cursor + 1;
      }
      if (cursor === spaceStart) this.fail(`expected a space before the next attribute of <${name}>`, cursor);
      const attributeEnd = this.readName(text, cursor);
      const attribute = text.slice(cursor, attributeEnd);
      cursor = attributeEnd;
      while (cursor < text.length && isSpace(text.charCodeAt(cursor))) cursor++;
      if (cursor >= text.length) throw INCOMPLETE;
      if (text.charCodeAt(cursor) !== 61 /* = */) this.fail(`expected '=' after attribute ${attribute}`, cursor);
      cursor++;
      while (cursor < text.length && isSpace(text.charCodeAt(cursor))) cursor++;
      if (cursor >= text.length) throw INCOMPLETE;
      const quote = text.charCodeAt(cursor);
      if (quote !== 34 && quote !== 39) this.fail(`expected a quoted value for attribute ${attribute}`, cursor);
      const valueStart = cursor + 1;
      const valueEnd = text.indexOf(quote === 34 ? '"' : "'", valueStart);
      if (valueEnd === -1) throw INCOMPLETE;
      if (attribute in attributes) this.fail(`attribute ${attribute} appears twice`, cursor);
      attributes[attribute] = this.attributeValue(text, valueStart, valueEnd);
      cursor = valueEnd + 1;
    }
  }

  private attributeValue(text: string, start: number, end: number): string {
    const less = text.indexOf("<", start);
    if (less !== -1 && less < end) this.fail("'<' inside an attribute value", less);
    let amp = text.indexOf("&", start);
    if (amp === -1 || amp >= end) return text.slice(start, end);
    let value = "";
    let from = start;
    while (amp !== -1 && amp < end) {
      const semicolon = text.indexOf(";", amp);
      if (semicolon === -1 || semicolon > end) this.fail("'&' without ';' in an attribute value", amp);
      value += text.slice(from, amp) + this.entity(text, amp, semicolon);
      from = semicolon + 1;
      amp = text.indexOf("&", from);
    }
    return value + text.slice(from, end);
  }
}
