import type { HealthStore } from "../health/store/health-store.js";
import type { KeySchema } from "../redis/keys.js";
import type { CacheAside } from "./cache.js";

/** What the agent knows about a user's data and body, for its prompt and for heart-rate zones. */
export interface UserProfile {
  hasData: boolean;
  firstDate: string | null;
  lastDate: string | null;
  metrics: string[];
  workouts: number;
  sleepNights: number;
  dateOfBirth: string | null;
  age: number | null;
  biologicalSex: string | null;
  /** 208 - 0.7 x age (Tanaka), when the age is known. */
  estimatedMaxHeartRate: number | null;
}

const PROFILE_TTL_SECONDS = 3_600;
const CONTEXT_LINE_TTL_SECONDS = 120;

function ageOn(dateOfBirth: string, today: Date): number {
  const birth = new Date(`${dateOfBirth}T00:00:00Z`);
  let age = today.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    today.getUTCMonth() < birth.getUTCMonth() || (today.getUTCMonth() === birth.getUTCMonth() && today.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age;
}

/**
 * The cached operations the agent uses every turn: the user's profile (`cache:user:{user}:profile`,
 * an hour; an import drops it) and the one-line context for the system prompt
 * (`cache:user:{user}:context_line`, two minutes). Both degrade to computing afresh when Redis
 * misbehaves, like everything behind CacheAside.
 *
 * @example
 * ```ts
 * const context = new UserContext(cache, keys, store);
 * await context.contextLine("alice"); // "Health data from 2024-01-01 to 2024-10-20: ..."
 * ```
 */
export class UserContext {
  constructor(
    private readonly cache: CacheAside,
    private readonly keys: KeySchema,
    private readonly store: HealthStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  profile(userId: string): Promise<UserProfile> {
    return this.cache.getOrSet(this.keys.userProfile(userId), PROFILE_TTL_SECONDS, async () => {
      const manifest = await this.store.manifest(userId);
      const dateOfBirth = manifest?.profile.dateOfBirth ?? null;
      const age = dateOfBirth ? ageOn(dateOfBirth, this.now()) : null;
      return {
        hasData: manifest !== undefined,
        firstDate: manifest?.firstDate ?? null,
        lastDate: manifest?.lastDate ?? null,
        metrics: Object.keys(manifest?.metrics ?? {}),
        workouts: manifest?.workouts ?? 0,
        sleepNights: manifest?.sleepNights ?? 0,
        dateOfBirth,
        age,
        biologicalSex: manifest?.profile.biologicalSex ?? null,
        estimatedMaxHeartRate: age !== null && age > 0 ? Math.round(208 - 0.7 * age) : null,
      };
    });
  }

  contextLine(userId: string): Promise<string> {
    return this.cache.getOrSet(this.keys.userContextLine(userId), CONTEXT_LINE_TTL_SECONDS, async () => {
      const profile = await this.profile(userId);
      if (!profile.hasData) return "The user has not imported any Apple Health data yet.";
      const body =
        profile.age !== null
          ? ` Age ${profile.age}${profile.biologicalSex ? `, ${profile.biologicalSex}` : ""}; estimated maximum heart rate ${profile.estimatedMaxHeartRate} bpm.`
          : "";
      return (
        `The user's health data runs from ${profile.firstDate} to ${profile.lastDate}: ${profile.metrics.length} metrics ` +
        `(${profile.metrics.slice(0, 10).join(", ")}${profile.metrics.length > 10 ? ", ..." : ""}), ${profile.workouts} workouts, ${profile.sleepNights} nights of sleep.${body}`
      );
    });
  }

  /** Drops the cached profile and context line (after an import). */
  async invalidate(userId: string): Promise<void> {
    await this.cache.delete(this.keys.userProfile(userId), this.keys.userContextLine(userId));
  }
}
