import { RedisUnavailableError, WellnessError } from "../errors.js";
import { RedisServerProcess } from "../redis/server-process.js";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Why a local server was not started, or the started server. */
export type LocalRedisOutcome = { started: RedisServerProcess } | { skipped: string };

/**
 * Starts a redis-server for REDIS_URL when nothing answers there, so `npm start` works on a
 * machine that has Redis installed but not running. Only for a plain loopback URL: a remote or
 * password-protected URL means the user runs their own server, and starting another would hide
 * their mistake.
 */
export async function startLocalRedis(url: string, dataDir: string): Promise<LocalRedisOutcome> {
  const parsed = new URL(url);
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) {
    return { skipped: `REDIS_URL points at ${parsed.hostname}, not this machine` };
  }
  if (parsed.username || parsed.password) {
    return { skipped: "REDIS_URL carries credentials, so it names a server you run yourself" };
  }
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  try {
    return { started: await RedisServerProcess.start({ port, dir: dataDir, appendOnly: true }) };
  } catch (error) {
    if (error instanceof WellnessError) return { skipped: error.message };
    throw new RedisUnavailableError("could not start a local redis-server", { cause: error });
  }
}
