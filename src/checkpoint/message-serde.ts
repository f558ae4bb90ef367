import { JsonPlusSerializer, type SerializerProtocol } from "@langchain/langgraph-checkpoint";

/** How a message that was revived once is built again: its class and the fields its constructor took, as JSON. */
interface MessageTemplate {
  build: new (fields: unknown) => unknown;
  fields: string;
}

export interface MessageCachingSerializerOptions {
  /** The serializer that writes and, on a miss, reads values. Default: LangGraph's JsonPlusSerializer. */
  inner?: SerializerProtocol;
  /** Characters to remember: serialized messages and the JSON of their fields (about twice as many bytes are held). Default: 8 Mi. */
  maxCharacters?: number;
}

const DEFAULT_MAX_CHARACTERS = 8 * 1024 * 1024;
const LC_MARKER = '"lc":';

type SerializedConstructor = { lc: 1; type: "constructor"; id: string[] };

function isSerializedMessage(value: unknown): value is SerializedConstructor {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<SerializedConstructor>;
  return record.lc === 1 && record.type === "constructor" && Array.isArray(record.id) && record.id[0] === "langchain_core" && record.id[1] === "messages";
}

/** Characters an entry holds: its serialized text and, when it has a template, the fields' JSON. */
function held(key: string, template: MessageTemplate | null): number {
  return key.length + (template?.fields.length ?? 0);
}

/** A value's serialized form and own fields as JSON text, or undefined when it has no serialized form. */
function serializedText(value: object): string | undefined {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === "function" ? JSON.stringify([(toJSON as () => unknown).call(value), { ...value }]) : undefined;
}

/**
 * How `revived` can be built again without reviving it: its constructor and a copy of the fields
 * it was built from, when building from them gives back the same serialized form and fields. Messages with
 * LangChain objects nested inside are left to the inner serializer.
 */
function templateOf(key: string, revived: unknown): MessageTemplate | null {
  if (key.indexOf(LC_MARKER, key.indexOf(LC_MARKER) + 1) !== -1) return null;
  if (typeof revived !== "object" || revived === null) return null;
  const build = revived.constructor as (new (fields: unknown) => unknown) | undefined;
  const kwargs = (revived as { lc_kwargs?: unknown }).lc_kwargs;
  if (typeof build !== "function" || typeof kwargs !== "object" || kwargs === null) return null;
  try {
    // Fields go through JSON (they were read from JSON): a parse builds them again faster than
    // structuredClone copies them, and the check below proves the round trip loses nothing.
    const fields = JSON.stringify(kwargs);
    const rebuilt = new build(JSON.parse(fields));
    const expected = serializedText(revived);
    return expected !== undefined && typeof rebuilt === "object" && rebuilt !== null && serializedText(rebuilt) === expected ? { build, fields } : null;
  } catch {
    return null;
  }
}

/**
 * A checkpoint serializer that revives a thread's messages once per process, not once per read.
 * LangGraph's serializer revives every message of a `messages` channel through `@langchain/core`'s
 * `load`, about 20x the cost of parsing the same JSON (`npm run bench:history`), and a stateful
 * turn reads the whole thread again although only its last turn is new. This reads a channel
 * value that is a list of LangChain messages element by element: a message seen before (the same
 * serialized text) is built again from its class and a copy of its fields, a new one goes to the
 * inner serializer. Every read returns new message objects, so nothing a run does to its
 * messages reaches another run, and a message is remembered only when building it again gives
 * back exactly its serialized form. Everything else, and all writing, is the inner serializer's.
 *
 * @example
 * ```ts
 * const checkpointer = new RedisCheckpointSaver(redis, { serde: new MessageCachingSerializer({ maxCharacters: 4 * 1024 * 1024 }) });
 * ```
 */
export class MessageCachingSerializer implements SerializerProtocol {
  private readonly inner: SerializerProtocol;
  private readonly maxCharacters: number;
  /** Serialized message → template (null: read it through the inner serializer), least recently used first. */
  private readonly templates = new Map<string, MessageTemplate | null>();
  private characters = 0;
  private readonly decoder = new TextDecoder();

  constructor(options: MessageCachingSerializerOptions = {}) {
    const { maxCharacters = DEFAULT_MAX_CHARACTERS } = options;
    if (!Number.isInteger(maxCharacters) || maxCharacters < 0) throw new RangeError("maxCharacters must be a whole number (0 remembers nothing)");
    this.inner = options.inner ?? new JsonPlusSerializer();
    this.maxCharacters = maxCharacters;
  }

  dumpsTyped(value: unknown): Promise<[string, Uint8Array]> {
    return this.inner.dumpsTyped(value);
  }

  async loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    if (type !== "json" || this.maxCharacters === 0) return this.inner.loadsTyped(type, data);
    const text = typeof data === "string" ? data : this.decoder.decode(data);
    if (!text.startsWith("[{")) return this.inner.loadsTyped(type, text);
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every(isSerializedMessage)) return this.inner.loadsTyped(type, text);
    // Messages seen before are built at once; only the others wait for the inner serializer.
    const keys = parsed.map((element) => JSON.stringify(element));
    const built = keys.map((key) => this.build(key));
    if (built.every((message) => message !== undefined)) return built;
    return Promise.all(built.map((message, index) => (message === undefined ? this.revive(keys[index] as string) : Promise.resolve(message))));
  }

  /** A message built from its template, when its serialized text was seen (and could be remembered) before. */
  private build(key: string): unknown {
    const template = this.templates.get(key);
    if (!template) return undefined;
    this.templates.delete(key);
    this.templates.set(key, template);
    return new template.build(JSON.parse(template.fields));
  }

  private async revive(key: string): Promise<unknown> {
    const revived: unknown = await this.inner.loadsTyped("json", key);
    if (!this.templates.has(key) && key.length <= this.maxCharacters) this.remember(key, templateOf(key, revived));
    return revived;
  }

  private remember(key: string, template: MessageTemplate | null): void {
    this.templates.set(key, template);
    this.characters += held(key, template);
    for (const [oldest, kept] of this.templates) {
      if (this.characters <= this.maxCharacters) break;
      this.templates.delete(oldest);
      this.characters -= held(oldest, kept);
    }
  }
}
