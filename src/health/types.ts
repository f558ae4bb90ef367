/** The shapes of stored health data, shared by the importer, the store and the tools. */

/** One day of a cumulative metric (steps, distance, energy, ...), de-duplicated across sources. */
export interface CumulativeDay {
  date: string;
  total: number;
  unit: string;
  /** Each source's own total for the day, before de-duplication. */
  sources: Record<string, number>;
}

/** One day of a discrete metric (heart rate, weight, HRV, ...). */
export interface DiscreteDay {
  date: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  avg: number;
  unit: string;
}

/** One day of a category type other than sleep (mindful sessions, stand hours, ...). */
export interface CategoryDay {
  date: string;
  count: number;
  minutes: number;
}

export interface Workout {
  /** Stable id: a hash of start time, type and source. */
  id: string;
  /** Clean activity name, e.g. Running. */
  type: string;
  /** Local start and end with their UTC offset, ISO 8601. */
  start: string;
  end: string;
  startEpoch: number;
  /** Local start date and weekday. */
  date: string;
  weekday: string;
  durationMinutes: number;
  distanceKm?: number;
  energyKcal?: number;
  avgHeartRate?: number;
  maxHeartRate?: number;
  source: string;
}

/** One night's sleep, grouped by the local date it ended on, stages merged across sources. */
export interface SleepNight {
  date: string;
  asleepMinutes: number;
  inBedMinutes: number;
  awakeMinutes: number;
  coreMinutes: number;
  deepMinutes: number;
  remMinutes: number;
  /** asleep / in bed, 0..1. */
  efficiency: number;
  /** Local times with offset, ISO 8601. */
  bedtime: string;
  wakeTime: string;
  sources: string[];
}

/** Activity rings of one day. */
export interface ActivityDay {
  date: string;
  activeEnergyKcal?: number;
  activeEnergyGoalKcal?: number;
  moveMinutes?: number;
  moveMinutesGoal?: number;
  exerciseMinutes?: number;
  exerciseMinutesGoal?: number;
  standHours?: number;
  standHoursGoal?: number;
}

/** From the export's Me element: what age-based heart-rate zones need. */
export interface HealthProfile {
  dateOfBirth?: string;
  biologicalSex?: string;
  bloodType?: string;
}

export type MetricKind = "cumulative" | "discrete" | "category";

/** The permanent manifest of a user's imported data (`health:user:{user}:data`). */
export interface HealthManifest {
  version: 1;
  exportDate: string | null;
  profile: HealthProfile;
  firstDate: string | null;
  lastDate: string | null;
  recordsByType: Record<string, number>;
  /** Every stored daily series, by metric name. */
  metrics: Record<string, { kind: MetricKind; unit: string; days: number }>;
  workouts: number;
  sleepNights: number;
  activityDays: number;
  skipped: { badDate: number; legacyDate: number; badValue: number; unknownSleepValue: number };
  provenance: { file: string; xmlName: string; bytes: number; sha256: string };
}
