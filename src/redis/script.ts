import { createHash } from "node:crypto";
import { ErrorReply, type RedisArgument, type TypeMapping } from "redis";
import { isCluster, type RedisClient } from "./client.js";

/**
 * A Lua script run with EVALSHA, falling back to EVAL (which also caches it on the server) when
 * the server answers NOSCRIPT: after a restart, a failover, or on a node that never saw it.
 * Scripts receive every key they touch through KEYS or derive it from them within the same hash
 * slot, so they are safe on Redis Cluster.
 *
 * @example
 * ```ts
 * const incrementTo = new RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
 * await incrementTo.run(redis, ["counter"], ["5"]);
 * ```
 */
export class RedisScript {
  readonly source: string;
  readonly sha1: string;

  constructor(source: string) {
    this.source = source;
    this.sha1 = createHash("sha1").update(source).digest("hex");
  }

  async run<T>(
    client: RedisClient,
    keys: readonly string[],
    args: readonly RedisArgument[],
    options: { typeMapping?: TypeMapping } = {},
  ): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    const send = (command: RedisArgument[]) =>
      isCluster(client)
        ? client.sendCommand<T>(keys[0], false, command, options)
        : client.sendCommand<T>(command, options);
    try {
      return await send(["EVALSHA", this.sha1, ...tail]);
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith("NOSCRIPT")) {
        return send(["EVAL", this.source, ...tail]);
      }
      throw error;
    }
  }
}
