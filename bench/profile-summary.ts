/**
 * Where a --cpu-prof profile spends its time, by who owns the code: self time summed per
 * package (node_modules/<name>), per project folder (src/<folder>), Node internals, GC and idle.
 *
 *   npx tsx bench/profile-summary.ts /tmp/turn-stateful.cpuprofile /tmp/turn-stateless.cpuprofile
 *   npx tsx bench/profile-summary.ts --doc /tmp/turn-stateful.cpuprofile /tmp/turn-stateless.cpuprofile
 *
 * With --doc the shares go to docs/benchmarks.md, one column per profile (named after the file).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { machineDescription, writeBenchmarkSection } from "./report.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The owner of a function: a package, a project folder, or what Node itself runs. */
export function ownerOf(url: string, name: string): string {
  if (name === "(idle)" || name === "(program)" || name === "(garbage collector)") return name;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/u.exec(url);
  if (modules) return modules[1] as string;
  const project = /\/(src|bench)\/([^/]+)/u.exec(url);
  if (project) return `${project[1]}/${project[2]?.replace(/\.ts$/u, "")}`;
  if (url.startsWith("node:")) return "node internals";
  if (url === "") return `(native) ${name || "anonymous"}`.slice(0, 60);
  return url;
}

/** Self time in ms per owner, largest first. */
export function summarize(profile: Profile): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    if (!node) return;
    const owner = ownerOf(node.callFrame.url, node.callFrame.functionName);
    totals.set(owner, (totals.get(owner) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

/** Each owner's share of the busy (non-idle) samples, in percent. */
function shares(path: string): Map<string, number> {
  const rows = summarize(JSON.parse(readFileSync(path, "utf8")) as Profile).filter(([owner]) => owner !== "(idle)");
  const busy = rows.reduce((sum, [, ms]) => sum + ms, 0);
  return new Map(rows.map(([owner, ms]) => [owner, (ms / busy) * 100]));
}

function main(): void {
  const doc = process.argv.includes("--doc");
  const paths = process.argv.slice(2).filter((arg) => arg !== "--doc");
  const columns = paths.map((path) => ({ name: basename(path, ".cpuprofile"), shares: shares(path) }));
  const first = columns[0]?.shares ?? new Map<string, number>();
  const owners = [...first.keys()].slice(0, 18);
  const lines = [
    `| owner (self time) | ${columns.map((column) => `${column.name} %`).join(" | ")} |`,
    `|---|${columns.map(() => "---|").join("")}`,
    ...owners.map((owner) => `| ${owner} | ${columns.map((column) => (column.shares.get(owner) ?? 0).toFixed(1)).join(" | ")} |`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  if (doc) {
    writeBenchmarkSection(
      "## Where a turn's server CPU goes (`BENCH_CPU_PROF=/tmp/turn npm run bench:turn`, then `npx tsx bench/profile-summary.ts --doc /tmp/turn-*.cpuprofile`)",
      [
        `${machineDescription()}. Self time of the server process during bench:turn's CPU phase (100 sequential turns each, instant model), sampled with the inspector's profiler, grouped by who owns the code; shares of the busy samples.`,
        "",
        ...lines,
      ].join("\n"),
    );
  }
}

main();
