export { connectionOptionsFrom, openBaseRuntime, redisBreaker, type BaseRuntime, type BaseRuntimeOptions } from "./base.js";
export {
  chatModelFromConfig,
  checkpointerFromConfig,
  embeddingsFromConfig,
  memoryFromConfig,
} from "./from-config.js";
export { wellnessAgentFromConfig, type AgentFromConfigOptions } from "./agent-from-config.js";
export { createRuntime, type RuntimeOptions, type WellnessRuntime } from "./runtime.js";
export { startLearningWorker, type LearningWorkerOptions } from "./learning-worker.js";
export { closeServedRuntime, installServedRuntime, servedConfig, servedRuntime } from "./served.js";
export { startCoachingSchedule, type CoachingScheduleOptions } from "./coaching-schedule.js";
