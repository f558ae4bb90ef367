export { ExportAggregator, type AggregatedExport, type SkippedCounts } from "./import/aggregate.js";
export { importExport, type ImportOptions, type ImportProgress, type ImportStage, type ImportSummary } from "./import/importer.js";
export { cleanTypeName, dayNumber, isCumulative, parseHealthDate, toCanonical, type LocalTime } from "./import/normalize.js";
export { readExport, type Attributes, type ExportSink, type RawWorkout } from "./import/reader.js";
export { isExportXmlEntry, openExport, type ExportSource } from "./import/source.js";
export { removeStaleUploads } from "./import/stale-uploads.js";
export { defaultUploadRoot, receiveUpload, sniffUpload, type ReceivedUpload, type ReceiveUploadOptions, type UploadKind } from "./import/upload.js";
export { dailyValue, HealthStore, type HealthStoreOptions, type PermanentData, type SeriesDay } from "./store/health-store.js";
export { HealthIndexes, type IndexCounts, type MetricSummary } from "./store/indexes.js";
export {
  INDEX_LOCK_LEASE_MS,
  PendingIndexRepair,
  repairPendingIndexes,
  type PendingIndexRepairOptions,
  type RepairOutcome,
  type RepairPendingIndexesOptions,
} from "./store/index-repair.js";
export type * from "./types.js";
