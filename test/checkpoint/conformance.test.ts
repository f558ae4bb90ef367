import { inject } from "vitest";
import { deltaChannelHistoryTests, validate } from "@langchain/langgraph-checkpoint-validation";
import { redisSaverInitializer } from "../support/checkpointer.js";

const initializer = redisSaverInitializer("RedisCheckpointSaver (single node)", () => ({ url: inject("redisUrl") }));

validate(initializer);
deltaChannelHistoryTests(initializer);
