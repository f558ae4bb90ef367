import type { RedisClient } from "../../redis/client.js";
import { validateId } from "../../redis/ids.js";
import type { KeySchema } from "../../redis/keys.js";
import { RedisScript } from "../../redis/script.js";
import { dayNumber } from "../import/normalize.js";
import type { ActivityDay, CategoryDay, CumulativeDay, DiscreteDay, HealthManifest, MetricKind, SleepNight, Workout } from "../types.js";

/** A day of any metric, as stored in its permanent series. */
export type SeriesDay = CumulativeDay | DiscreteDay | CategoryDay;

/** The value a day contributes to summaries: total, average or count by kind. */
export function dailyValue(kind: MetricKind, day: SeriesDay): number {
  if (kind === "cumulative") return (day as CumulativeDay).total;
  if (kind === "discrete") return (day as DiscreteDay).avg;
  return (day as CategoryDay).count;
}

/** What one import hands to the store. */
export interface PermanentData {
  manifest: HealthManifest;
  series: Map<string, SeriesDay[]>;
  workouts: Workout[];
  sleep: SleepNight[];
  activity: ActivityDay[];
}

const BATCH = 1_000;
/** Staging keys of an import that dies halfway vanish after a day. */
const STAGING_TTL_SECONDS = 86_400;

/**
 * Moves a finished import's staging keys over the live ones in one atomic step, and in the same
 * step marks the TTL'd indexes as pending (they describe the old data until rebuilt), sets the
 * data version and drops what describes the old data (cached profile, stale series). KEYS: the
 * pending mark, the data version, n staging keys, their n live names, then keys to unlink.
 * ARGV[1] = n, ARGV[2] = the import id, ARGV[3] = the data version ("" leaves it). Checks every
 * staging key first, so a missing one changes nothing. The work is one RENAME per key: a metric
 * series, workouts, sleep and activity, a few hundred keys at most, and UNLINK frees their memory
 * off the main thread.
 */
const SWAP = new RedisScript(`
local n = tonumber(ARGV[1])
for i = 3, n + 2 do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    return redis.error_reply('ERR staging key missing: ' .. KEYS[i])
  end
end
for i = 3, n + 2 do
  redis.call('RENAME', KEYS[i], KEYS[n + i])
  redis.call('PERSIST', KEYS[n + i])
end
for i = 2 * n + 3, #KEYS do redis.call('UNLINK', KEYS[i]) end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) end
return n
`);

export interface HealthStoreOptions {
  /**
   * Called when a manifest read finds the indexes-pending mark (an import died after its swap):
   * hand it to {@link PendingIndexRepair.schedule}. With it, every manifest read checks the mark in
   * the same round trip (GET and EXISTS pipelined on one slot).
   */
  onIndexesPending?: (userId: string) => void;
}

/** What the swap does besides moving the data in. */
export interface SwapOptions {
  /** Runs when everything is staged, just before the swap. */
  beforeSwap?: () => Promise<void> | void;
  /** The new data version (the export's sha256), set in the swap itself. */
  version?: string;
  /** Keys of this user that describe the old data (cached profile, ...), unlinked in the swap. */
  invalidate?: readonly string[];
}

/**
 * The permanent health data of each user: the manifest, one sorted set per metric of daily
 * aggregates (score = day number), and the workouts, sleep nights and activity days, each a sorted
 * set scored by time, so every range read is one ZRANGE BYSCORE: O(log N + k). No TTL: this is
 * the source every index is rebuilt from.
 *
 * @example
 * ```ts
 * const store = new HealthStore(redis, keys);
 * const steps = await store.series("alice", "StepCount", "2024-10-01", "2024-10-07");
 * ```
 */
export class HealthStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: KeySchema,
    private readonly options: HealthStoreOptions = {},
  ) {}

  /** The permanent keys an import writes for `data`, in one schema (live or staging). */
  private keysFor(schema: KeySchema, userId: string, data: Pick<PermanentData, "manifest" | "workouts" | "sleep" | "activity">): string[] {
    return [
      schema.healthData(userId),
      ...Object.keys(data.manifest.metrics).map((metric) => schema.healthSeries(userId, metric)),
      ...(data.workouts.length > 0 ? [schema.healthWorkouts(userId)] : []),
      ...(data.sleep.length > 0 ? [schema.healthSleep(userId)] : []),
      ...(data.activity.length > 0 ? [schema.healthActivity(userId)] : []),
    ];
  }

  /**
   * Replaces a user's permanent data: writes everything into staging keys (pipelined in
   * batches), then swaps them in atomically. If anything fails before the swap, the live data
   * is untouched and the staging keys expire on their own. Returns the manifest it replaced. The
   * swap leaves the indexes-pending mark, which {@link HealthIndexes.rebuild} removes, and sets
   * the data version and drops `invalidate` in the same atomic step, so a process killed right
   * after it never leaves new data beside an old version.
   */
  async replace(userId: string, importId: string, data: PermanentData, swap: SwapOptions = {}): Promise<HealthManifest | undefined> {
    validateId("user id", userId);
    const staging = this.keys.staging(importId);
    const stagingKeys = this.keysFor(staging, userId, data);
    try {
      await this.writeAll(staging, userId, data);
      await swap.beforeSwap?.();
      const previous = await this.manifest(userId);
      const liveKeys = this.keysFor(this.keys, userId, data);
      const stale = previous
        ? [
            ...Object.keys(previous.metrics)
              .filter((metric) => !(metric in data.manifest.metrics))
              .map((metric) => this.keys.healthSeries(userId, metric)),
            ...(data.workouts.length === 0 ? [this.keys.healthWorkouts(userId)] : []),
            ...(data.sleep.length === 0 ? [this.keys.healthSleep(userId)] : []),
            ...(data.activity.length === 0 ? [this.keys.healthActivity(userId)] : []),
          ]
        : [];
      await SWAP.run(
        this.client,
        [this.keys.healthIndexesPending(userId), this.keys.healthVersion(userId), ...stagingKeys, ...liveKeys, ...stale, ...(swap.invalidate ?? [])],
        [String(stagingKeys.length), importId, swap.version ?? ""],
      );
      return previous;
    } catch (error) {
      await this.client.unlink(stagingKeys).catch(() => undefined);
      throw error;
    }
  }

  private async writeAll(schema: KeySchema, userId: string, data: PermanentData): Promise<void> {
    const writes: Promise<unknown>[] = [];
    const flush = async () => {
      if (writes.length >= BATCH) await Promise.all(writes.splice(0));
    };
    const zadd = async (key: string, members: { score: number; value: string }[]) => {
      for (let i = 0; i < members.length; i += BATCH) {
        writes.push(this.client.zAdd(key, members.slice(i, i + BATCH)));
        await flush();
      }
      writes.push(this.client.expire(key, STAGING_TTL_SECONDS));
    };
    for (const [metric, days] of data.series) {
      await zadd(
        schema.healthSeries(userId, metric),
        days.map((day) => ({ score: dayNumber(day.date), value: JSON.stringify(day) })),
      );
    }
    await zadd(
      schema.healthWorkouts(userId),
      data.workouts.map((workout) => ({ score: workout.startEpoch, value: JSON.stringify(workout) })),
    );
    await zadd(
      schema.healthSleep(userId),
      data.sleep.map((night) => ({ score: dayNumber(night.date), value: JSON.stringify(night) })),
    );
    await zadd(
      schema.healthActivity(userId),
      data.activity.map((day) => ({ score: dayNumber(day.date), value: JSON.stringify(day) })),
    );
    writes.push(this.client.set(schema.healthData(userId), JSON.stringify(data.manifest), { EX: STAGING_TTL_SECONDS }));
    await Promise.all(writes);
  }

  /** Whether the TTL'd indexes are being rebuilt after a swap (or a rebuild was cut short). */
  async indexesPending(userId: string): Promise<boolean> {
    return (await this.client.exists(this.keys.healthIndexesPending(userId))) === 1;
  }

  async manifest(userId: string): Promise<HealthManifest | undefined> {
    const onPending = this.options.onIndexesPending;
    if (!onPending) {
      const text = await this.client.get(this.keys.healthData(userId));
      return text ? (JSON.parse(text) as HealthManifest) : undefined;
    }
    const [text, pending] = (await this.client.multi().get(this.keys.healthData(userId)).exists(this.keys.healthIndexesPending(userId)).execAsPipeline()) as unknown as [
      string | null,
      number,
    ];
    if (pending === 1) onPending(userId);
    return text ? (JSON.parse(text) as HealthManifest) : undefined;
  }

  /** Daily values of one metric between two dates (inclusive), oldest first. */
  async series(userId: string, metric: string, from = "0000-01-01", to = "9999-12-31"): Promise<SeriesDay[]> {
    const members = await this.client.zRangeByScore(this.keys.healthSeries(userId, metric), dayNumber(from), dayNumber(to));
    return members.map((member) => JSON.parse(member) as SeriesDay);
  }

  /** Workouts that started between two epoch seconds (inclusive), oldest first. */
  async workouts(userId: string, fromEpoch = 0, toEpoch = Number.MAX_SAFE_INTEGER): Promise<Workout[]> {
    const members = await this.client.zRangeByScore(this.keys.healthWorkouts(userId), fromEpoch, toEpoch);
    return members.map((member) => JSON.parse(member) as Workout);
  }

  async sleep(userId: string, from = "0000-01-01", to = "9999-12-31"): Promise<SleepNight[]> {
    const members = await this.client.zRangeByScore(this.keys.healthSleep(userId), dayNumber(from), dayNumber(to));
    return members.map((member) => JSON.parse(member) as SleepNight);
  }

  async activity(userId: string, from = "0000-01-01", to = "9999-12-31"): Promise<ActivityDay[]> {
    const members = await this.client.zRangeByScore(this.keys.healthActivity(userId), dayNumber(from), dayNumber(to));
    return members.map((member) => JSON.parse(member) as ActivityDay);
  }
}
