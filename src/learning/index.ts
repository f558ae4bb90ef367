export { AfterTurnTasks } from "./after-turn.js";
export { LearningQueue, toFields, type LearningEntry } from "./queue.js";
export { mayStateFacts, StatedFacts, StatedFactsExtractor, type StatedFact } from "./stated-facts.js";
export { TurnLearner, type TurnLearnerOptions } from "./turn-learner.js";
export { LearningWorker, type LearningWorkerOptions } from "./worker.js";
export { learningStreamStats, type LearningStreamStats } from "./stats.js";
