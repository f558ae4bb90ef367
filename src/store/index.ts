export { StoreNamespaceError } from "./errors.js";
export { StoreEmbedder, type LangChainEmbeddingsLike, type StoreEmbeddings } from "./embeddings.js";
export { matchesFilter } from "./filter.js";
export { joinNamespace, splitNamespace, validateItemKey, validateNamespace, type NamespaceUse } from "./namespace.js";
export {
  RedisStore,
  type RedisStoreOptions,
  type StoreGetOperation,
  type StoreIndexConfig,
  type StorePutOperation,
  type StoreSearchOperation,
  type StoreTtlConfig,
} from "./redis-store.js";
export { textsAtPath, tokenizeFieldPath } from "./text.js";
