import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { defaultUploadRoot } from "./upload.js";

/** Whether a process with this id is running (on this machine, as any user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the upload directories (`<root>/<pid>-<random>`) of processes that are no longer
 * running: what a server killed mid-upload (kill -9, a crash, a power cut) left behind. Call it
 * once when a server starts. Directories of running processes, and anything not named like an
 * upload directory, are left alone. Returns the directories removed.
 *
 * @example
 * ```ts
 * const removed = await removeStaleUploads();
 * if (removed.length > 0) log.info(`removed ${removed.length} uploads left by stopped servers`);
 * ```
 */
export async function removeStaleUploads(root: string = defaultUploadRoot()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = /^(\d+)-[0-9a-f]+$/u.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isRunning(pid)) continue;
    const dir = join(root, name);
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
