export { createRuntime, redisBreaker, type RuntimeOptions, type WellnessRuntime } from "./runtime.js";
export { startLearningWorker, type LearningWorkerOptions } from "./learning-worker.js";
export { closeServedRuntime, installServedRuntime, servedConfig, servedRuntime } from "./served.js";
export { startCoachingSchedule, type CoachingScheduleOptions } from "./coaching-schedule.js";
