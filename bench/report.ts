import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";

/** The version line a command prints, or "not installed". */
export function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8" }).trim().split("\n")[0] ?? "unknown";
  } catch {
    return "not installed";
  }
}

/** When and on what a benchmark ran, for the line under its heading. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return (
    `Run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpus().length} x ${cpu}, ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} GiB free), Node ${process.version}`
  );
}

/**
 * Replaces the section of docs/benchmarks.md that starts with `heading` (a "## " line), or
 * appends it, leaving the other benchmarks' sections as they are.
 */
export function writeBenchmarkSection(heading: string, body: string): void {
  const path = new URL("../docs/benchmarks.md", import.meta.url);
  let existing: string;
  try {
    existing = readFileSync(path, "utf8");
  } catch {
    existing = "# Benchmarks\n\nEach section is rewritten by the command in its heading.\n";
  }
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = existing.indexOf(heading);
  const next = start === -1 ? -1 : existing.indexOf("\n## ", start + 1);
  const updated =
    start === -1
      ? `${existing.trimEnd()}\n\n${section}`
      : `${existing.slice(0, start)}${section}${next === -1 ? "" : existing.slice(next)}`;
  writeFileSync(path, `${updated.trimEnd()}\n`);
}
