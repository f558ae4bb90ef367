/**
 * An import run in a child process that kills itself with SIGKILL (no clean-up, no lock
 * release, as a crash or kill -9 would) when it reaches a given point: "parsing" (mid-read, before
 * anything is staged), "staged" (everything written beside the live data, before the swap) or
 * "swapped" (the new data live, before the index rebuild).
 *
 * argv: redis URL, key prefix, user id, export path, point, lock lease in ms.
 */
import { connectRedis, importExport, KeySchema } from "../../src/index.js";

const [url, prefix, userId, path, point, lease] = process.argv.slice(2) as [string, string, string, string, string, string];
const die = () => process.kill(process.pid, "SIGKILL");
const client = await connectRedis({ url });
await importExport({
  client,
  keys: new KeySchema(prefix),
  userId,
  path,
  indexTtlSeconds: 3600,
  parallel: false,
  lockLeaseMs: Number(lease),
  onProgress: point === "parsing" ? die : undefined,
  onStage: (stage) => {
    if (stage === point) die();
  },
});
process.stdout.write("finished without being killed\n");
process.exit(0);
