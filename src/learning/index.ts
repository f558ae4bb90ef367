export { LearningQueue, toFields, type LearningEntry } from "./queue.js";
export { LearningWorker, type LearningWorkerOptions } from "./worker.js";
