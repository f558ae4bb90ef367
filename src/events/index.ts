export { EventBus, type EventBusOptions, type FollowOptions } from "./bus.js";
export { decodeEvent, decodePublished } from "./codec.js";
export { compareStreamIds, parseStreamId, streamIdTime } from "./stream-id.js";
export { EventSubscriber, type EventListener } from "./subscriber.js";
export { wellnessEventSchema, type EventSink, type StoredEvent, type WellnessEvent, type WellnessEventType } from "./types.js";
