import { InvalidArgumentError } from "commander";

const UNITS = [
  ["GB", 1e9],
  ["MB", 1e6],
  ["kB", 1e3],
] as const;

/** "100MB", "1.5GB", "500kB" or a byte count. */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/iu.exec(value.trim());
  if (!match) throw new InvalidArgumentError("expected a size such as 100MB, 1GB or 500000");
  const factor = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(match[2] ?? "b").toLowerCase() as "b" | "kb" | "mb" | "gb"];
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes < 1 || bytes > 5e9) throw new InvalidArgumentError("expected a size from 1 byte to 5GB");
  return bytes;
}

/**
 * A byte count the way `--size` accepts it back: 10000000 is "10MB", 1500000 is "1.5MB".
 *
 * @example
 * ```ts
 * formatBytes(10e6); // "10MB"
 * ```
 */
export function formatBytes(bytes: number): string {
  for (const [unit, factor] of UNITS) {
    if (bytes >= factor) return `${Number((bytes / factor).toFixed(1))}${unit}`;
  }
  return `${bytes} bytes`;
}

/** A whole number of days from 1 to 36500 (a century). */
export function parseDays(value: string): number {
  const days = Number(value);
  if (!/^\d+$/u.test(value.trim()) || days < 1 || days > 36_500) throw new InvalidArgumentError("expected a whole number of days from 1 to 36500");
  return days;
}

/** A real calendar date written YYYY-MM-DD. */
export function parseEndDate(value: string): string {
  const text = value.trim();
  const epoch = /^\d{4}-\d{2}-\d{2}$/u.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  const valid = !Number.isNaN(epoch) && new Date(epoch).toISOString().slice(0, 10) === text;
  if (!valid) throw new InvalidArgumentError("expected a date written YYYY-MM-DD, e.g. 2017-11-11");
  return text;
}

/** Today's date on this machine's clock and time zone, YYYY-MM-DD. */
export function localToday(now: Date = new Date()): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
