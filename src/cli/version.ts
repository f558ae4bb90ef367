import { readFileSync } from "node:fs";

/** The package version, from the package.json beside src/ and dist/ (shown by --version and in the instance registry). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return manifest.version ?? "unknown";
}
