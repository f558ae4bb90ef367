/**
 * The XML scanner with a text interface: elements arrive as names and decoded attribute objects.
 * It is {@link ByteXmlScanner} underneath (same checks, same errors, same linear work); the
 * importer uses the byte scanner directly, and this form suits small documents and tests.
 */
import { ByteXmlScanner, XmlSyntaxError, type ByteXmlScannerOptions, type TagView } from "./byte-scanner.js";

export { XmlSyntaxError };

export interface XmlHandlers {
  openTag(name: string, attributes: Record<string, string>, selfClosing: boolean): void;
  closeTag(name: string): void;
}

/**
 * @example
 * ```ts
 * const scanner = new XmlScanner({ openTag: (name, attributes) => console.log(name, attributes), closeTag: () => undefined });
 * scanner.write('<HealthData locale="en_US"/>');
 * scanner.end();
 * ```
 */
export class XmlScanner {
  private readonly bytes: ByteXmlScanner;
  private readonly names: string[] = [];
  /** A high surrogate at the end of the last piece, waiting for its pair. */
  private pending = "";

  constructor(handlers: XmlHandlers, options?: ByteXmlScannerOptions) {
    this.bytes = new ByteXmlScanner(
      {
        openTag: (tag: TagView, selfClosing: boolean) => {
          const name = tag.name();
          this.names.push(name);
          handlers.openTag(name, tag.toObject(), selfClosing);
        },
        closeTag: () => handlers.closeTag(this.names.pop() ?? ""),
      },
      options,
    );
  }

  /** Feeds the next piece of text; complete constructs are reported at once. */
  write(text: string): void {
    let piece = this.pending + text;
    this.pending = "";
    const last = piece.charCodeAt(piece.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.pending = piece.slice(-1);
      piece = piece.slice(0, -1);
    }
    if (piece.length > 0) this.bytes.write(Buffer.from(piece, "utf8"));
  }

  /** Declares the end of the document: anything unfinished is an error. */
  end(): void {
    if (this.pending) this.bytes.write(Buffer.from(this.pending, "utf8"));
    this.pending = "";
    this.bytes.end();
  }
}
