import { deltaChannelHistoryTests, validate } from "@langchain/langgraph-checkpoint-validation";
import { startTestCluster, type TestCluster } from "../support/cluster.js";
import { redisSaverInitializer } from "../support/checkpointer.js";

let cluster: TestCluster | undefined;

const initializer = redisSaverInitializer(
  "RedisCheckpointSaver (3-master cluster)",
  () => ({ url: "redis://127.0.0.1", clusterNodes: cluster?.nodes ?? [] }),
  async () => {
    cluster = await startTestCluster();
  },
  async () => {
    await cluster?.stop();
  },
);

validate(initializer);
deltaChannelHistoryTests(initializer);
