import { createServer } from "node:net";

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A loopback port that is free now, and (for cluster nodes) whose bus port, port + 10000, is free
 * too. Never 6379, so a Redis already running there is never touched.
 */
export async function freePort(options: { withClusterBus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = options.withClusterBus
      ? 20_000 + Math.floor(Math.random() * 30_000)
      : await tryListen(0);
    if (port === undefined || port === 6379) continue;
    if (options.withClusterBus) {
      if ((await tryListen(port)) === undefined || (await tryListen(port + 10_000)) === undefined) continue;
    }
    return port;
  }
  throw new Error("no free loopback port found after 50 attempts");
}
