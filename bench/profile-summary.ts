/**
 * Where a --cpu-prof profile spends its time, by who owns the code: self time summed per
 * package (node_modules/<name>), per project folder (src/<folder>), Node internals, GC and idle.
 *
 *   npx tsx bench/profile-summary.ts .profiles/CPU.*.cpuprofile
 */
import { readFileSync } from "node:fs";

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

function main(): void {
  for (const path of process.argv.slice(2)) {
    const rows = summarize(JSON.parse(readFileSync(path, "utf8")) as Profile);
    const busy = rows.filter(([owner]) => owner !== "(idle)").reduce((sum, [, ms]) => sum + ms, 0);
    process.stdout.write(`${path}: ${busy.toFixed(0)} ms busy\n| owner | self ms | share |\n|---|---|---|\n`);
    for (const [owner, ms] of rows.filter(([owner]) => owner !== "(idle)").slice(0, 25)) {
      process.stdout.write(`| ${owner} | ${ms.toFixed(0)} | ${((ms / busy) * 100).toFixed(1)}% |\n`);
    }
  }
}

main();
