/**
 * The texts of a stored value that get embedded, chosen by field paths as LangGraph's stores
 * accept them: "$" (the whole value as JSON), "a.b" (nested fields), "list[*].text" (every
 * element), "list[0]" / "list[-1]" (one element), "{title,meta.summary}" (several fields), "*"
 * (every field). Strings, numbers and booleans become their text; objects and arrays their JSON.
 */

/** Splits a path into field names, `[...]` index tokens and `{...}` field groups. */
export function tokenizeFieldPath(path: string): string[] {
  const tokens: string[] = [];
  let current = "";
  for (let i = 0; i < path.length; i++) {
    const char = path[i] as string;
    if (char === "[" || char === "{") {
      if (current) tokens.push(current);
      current = "";
      const close = char === "[" ? "]" : "}";
      let depth = 0;
      let token = "";
      for (; i < path.length; i++) {
        const inner = path[i] as string;
        token += inner;
        if (inner === char) depth++;
        else if (inner === close && --depth === 0) break;
      }
      tokens.push(token);
    } else if (char === ".") {
      if (current) tokens.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

function leafTexts(value: unknown): string[] {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return [String(value)];
  if (value === null || value === undefined) return [];
  return typeof value === "object" ? [JSON.stringify(value, null, 2)] : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function extract(value: unknown, tokens: readonly string[], position: number): string[] {
  if (position >= tokens.length) return leafTexts(value);
  const token = tokens[position] as string;
  if (token.startsWith("[") && token.endsWith("]")) {
    if (!Array.isArray(value)) return [];
    const index = token.slice(1, -1).trim();
    if (index === "*") return value.flatMap((element) => extract(element, tokens, position + 1));
    let at = Number.parseInt(index, 10);
    if (Number.isNaN(at)) return [];
    if (at < 0) at += value.length;
    return at >= 0 && at < value.length ? extract(value[at], tokens, position + 1) : [];
  }
  if (token.startsWith("{") && token.endsWith("}")) {
    if (!isObject(value)) return [];
    return token
      .slice(1, -1)
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .flatMap((part) => extract(value, tokenizeFieldPath(part), 0));
  }
  if (token === "*") {
    const children = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
    return children.flatMap((child) => extract(child, tokens, position + 1));
  }
  return isObject(value) && Object.hasOwn(value, token) ? extract(value[token], tokens, position + 1) : [];
}

/** Every text at `path` in `value`, in document order. */
export function textsAtPath(value: unknown, path: string): string[] {
  if (path === "" || path === "$") return [JSON.stringify(value, null, 2)];
  const tokens = tokenizeFieldPath(path.startsWith("$.") ? path.slice(2) : path);
  return extract(value, tokens, 0);
}
