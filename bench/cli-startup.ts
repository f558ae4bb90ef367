/**
 * How long `wellness --help` and `--version` take, as process CPU time (user + system, from
 * /usr/bin/time) and wall time, beside a bare Node start and a process that loads every command's
 * dependencies (what --help cost when they were imported before parsing). The runs interleave, so
 * the machine's load falls on all of them alike. Needs a build (`npm run build`). Writes its table
 * to docs/benchmarks.md.
 */
import { spawnSync } from "node:child_process";
import { machineDescription, writeBenchmarkSection } from "./report.js";

const ROUNDS = 15;
const main = new URL("../dist/cli/main.js", import.meta.url).pathname;
const everything = ["serve", "worker", "import", "reindex", "chat", "memory"].map((name) => `import(${JSON.stringify(new URL(`../dist/cli/${name}.js`, import.meta.url).href)})`);

const cases: { name: string; args: string[] }[] = [
  { name: "bare Node (`node -e \"\"`)", args: ["-e", ""] },
  { name: "`wellness --help`", args: [main, "--help"] },
  { name: "`wellness --version`", args: [main, "--version"] },
  { name: "loading every command's dependencies", args: ["--input-type=module", "-e", `await Promise.all([${everything.join(", ")}]);`] },
];

/** One run: CPU seconds (user + system) and wall seconds, as /usr/bin/time reports them on its last line. */
function run(args: string[]): { cpu: number; wall: number } {
  const { stderr, status } = spawnSync("/usr/bin/time", ["-f", "%U %S %e", process.execPath, ...args], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  if (status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${stderr}`);
  const [user, system, wall] = (stderr.trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  return { cpu: (user ?? 0) + (system ?? 0), wall: wall ?? 0 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

const samples = cases.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
for (let round = 0; round < ROUNDS; round++) {
  cases.forEach((each, index) => {
    const { cpu, wall } = run(each.args);
    samples[index]?.cpu.push(cpu);
    samples[index]?.wall.push(wall);
  });
}
const helpCpu = median(samples[1]?.cpu ?? []);
const rows = cases.map((each, index) => {
  const cpu = median(samples[index]?.cpu ?? []);
  const wall = median(samples[index]?.wall ?? []);
  return `| ${each.name} | ${(cpu * 1000).toFixed(0)} | ${(wall * 1000).toFixed(0)} | ${helpCpu > 0 ? (cpu / helpCpu).toFixed(2) : "-"} |`;
});
const table = [
  `${machineDescription()}. ${ROUNDS} interleaved rounds; medians. CPU = user + system time of the process (/usr/bin/time, 10 ms resolution).`,
  "",
  "Every command's action imports its own modules when it runs, so parsing, `--help` and `--version` load only commander and `src/cli/main.ts`.",
  "",
  "| process | CPU ms | wall ms | CPU vs --help |",
  "|---|---|---|---|",
  ...rows,
].join("\n");
writeBenchmarkSection("## CLI start-up (`npm run bench:cli`)", table);
process.stdout.write(`${table}\n`);
