export { ModelCallHandler, type ModelCallSink } from "./chat-model-handler.js";
export { countedModel } from "./counted-model.js";
export { bucketField, LATENCY_BUCKETS_MS, quantileMs } from "./histogram.js";
export { MeasuredEmbeddings } from "./measured-embeddings.js";
export { modelId, ModelRegistry, type ModelCall, type ModelKind, type ModelRegistryOptions, type ModelStats } from "./registry.js";
