import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient } from "redis";
import { afterAll, beforeAll } from "vitest";
import { closeRedis, connectRedis, RedisServerProcess, type RedisClient } from "../../src/index.js";
import { freePort } from "./ports.js";

const run = promisify(execFile);

/** A local Redis Cluster of spawned redis-server processes, for tests that prove cluster safety. */
export interface TestCluster {
  /** host:port of every master. */
  nodes: string[];
  stop(): Promise<void>;
}

async function waitForClusterOk(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    client.on("error", () => undefined);
    await client.connect();
    try {
      for (;;) {
        const info = await client.clusterInfo();
        if (/cluster_state:ok/u.test(info) && /cluster_known_nodes:(\d+)/u.exec(info)?.[1] === String(ports.length)) break;
        if (Date.now() > deadline) throw new Error(`cluster did not reach state ok: ${info.split("\n")[0] ?? ""}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
    } finally {
      await client.close();
    }
  }
}

/**
 * Starts `masters` redis-server processes in cluster mode on free loopback ports and joins them
 * with `redis-cli --cluster create` (no replicas). Stop it in afterAll.
 */
export async function startTestCluster(masters = 3): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "wellness-test-cluster-"));
  const servers: RedisServerProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort({ withClusterBus: true });
      servers.push(
        await RedisServerProcess.start({
          port,
          dir: join(dir, String(port)),
          extraArgs: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"],
        }),
      );
    }
    const nodes = servers.map((server) => `127.0.0.1:${server.port}`);
    await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"], { timeout: 30_000 });
    await waitForClusterOk(
      servers.map((server) => server.port),
      30_000,
    );
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts a test cluster and a cluster client before a file's tests and stops both after them.
 * Read `cluster` and `client` inside tests (they are set by beforeAll).
 */
export function useTestCluster(): { readonly cluster: TestCluster; readonly client: RedisClient } {
  let cluster: TestCluster | undefined;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    cluster = await startTestCluster();
    client = await connectRedis({ url: "redis://127.0.0.1", clusterNodes: cluster.nodes });
  });
  afterAll(async () => {
    if (client) await closeRedis(client);
    await cluster?.stop();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error("the test cluster starts in beforeAll");
      return cluster;
    },
    get client() {
      if (!client) throw new Error("the test cluster starts in beforeAll");
      return client;
    },
  };
}
