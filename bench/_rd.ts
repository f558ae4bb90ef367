import { createReadStream } from "node:fs";
import { readExport, ExportAggregator } from "../src/index.js";
const noop = { exportDate() {}, me() {}, record() {}, correlatedRecord() {}, workout() {}, activitySummary() {} };
for (const [name, sink] of [["noop", noop], ["noop", noop], ["aggregator", new ExportAggregator()], ["aggregator", new ExportAggregator()]] as const) {
  const t0 = performance.now();
  await readExport(createReadStream("/tmp/gen50.xml", { highWaterMark: 1 << 20 }), sink as any);
  if (sink instanceof ExportAggregator) sink.finish();
  console.log(name, (50.17 / ((performance.now() - t0) / 1000)).toFixed(1), "MB/s");
}
