import type { TestProject } from "vitest/node";
import { acquireTestRedis, type TestRedis } from "./test-redis.js";

let redis: TestRedis | undefined;

/** Starts one private Redis for the whole run and hands its URL to every test file. */
export async function setup(project: TestProject): Promise<void> {
  redis = await acquireTestRedis();
  project.provide("redisUrl", redis.url);
  project.provide("redisSource", redis.source);
}

export async function teardown(): Promise<void> {
  await redis?.release();
}

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    redisSource: string;
  }
}
