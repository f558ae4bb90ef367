/** Shapes of the app's JSON routes, as the web app reads them. */

export interface Me {
  userId: string;
  tokens: boolean;
}

export interface HealthReport {
  status: "ok" | "unavailable";
  redis: { ok: boolean; version?: string; mode?: string; latencyMs?: number; error?: string };
  breaker?: { state: string; failures?: number };
  model?: { ok: boolean; error?: string };
  live?: LiveReport;
}

/** One model in use and how it performs, summed over every server and worker process. */
export interface ModelReport {
  kind: string;
  provider: string;
  name: string;
  calls: number;
  errors: number;
  latency: { p50Ms: number | null; p95Ms: number | null };
}

/** The live system as /health reports it: processes, the learning stream, models. */
export type LiveReport =
  | { ok: true; instances: { id: string }[]; workers: { id: string }[]; learning: { pending?: number | null; dead?: number | null }; models: ModelReport[] }
  | { ok: false; error: string };

export interface HealthSummary {
  imported: boolean;
  firstDate?: string | null;
  lastDate?: string | null;
  exportDate?: string | null;
  metrics?: Record<string, { kind: string; unit: string; days: number }>;
  workouts?: number;
  sleepNights?: number;
}

export interface SeriesPoint {
  date: string;
  value: number;
  min: number;
  max: number;
  days: number;
}

export interface SeriesResponse {
  metric: string;
  unit: string | null;
  granularity: string;
  points: SeriesPoint[];
}

export interface SleepPoint {
  date: string;
  nights: number;
  asleepHours: number;
  coreHours: number;
  deepHours: number;
  remHours: number;
  awakeHours: number;
  inBedHours: number;
}

export interface WorkoutsResponse {
  granularity: string;
  types: string[];
  points: { date: string; count: Record<string, number>; minutes: Record<string, number> }[];
}

export interface ImportSummary {
  file?: string;
  xmlName?: string;
  bytes?: number;
  seconds?: number;
  records?: number;
  recordsByType?: Record<string, number>;
  firstDate?: string | null;
  lastDate?: string | null;
  workouts?: number;
  sleepNights?: number;
  [field: string]: unknown;
}

export interface EpisodicMemory {
  id: string;
  type: "goal" | "preference" | "health_event" | "insight";
  description: string;
  timestamp: string;
  goal?: { metric: string; value: number; unit: string; targetDate?: string };
  supersededBy?: string;
  similarity?: number;
}

/** A piece of advice the agent gave, with the outcome measured in the data and what the user said. */
export interface Intervention {
  id: string;
  suggestion: string;
  metric: string;
  date: string;
  evaluateAfter: string;
  outcome: "pending" | "improved" | "unchanged" | "worse" | "insufficient_data";
  baseline?: { value: number; unit: string; from: string; to: string; days: number };
  dataOutcome?: { baseline: number; observed?: number; change?: number; changePercent?: number; unit: string; from: string; to: string; days: number };
  adherence?: { followed: "yes" | "no" | "partly" | "unknown"; helped: "yes" | "no" | "unknown"; quote: string };
}

export interface Procedure {
  patternHash: string;
  query: string;
  category: string;
  tools: string[];
  executionCount: number;
  avgExecutionTimeMs: number;
  avgSuccessScore: number;
  lastUsed: string;
}

export interface SemanticFact {
  id: string;
  category: string;
  content: string;
  similarity?: number;
}

export interface MemorySearch {
  episodic: EpisodicMemory[];
  semantic: SemanticFact[];
  plan: { tools: string[]; confidence: number; typicalLatencyMs: number } | null;
}
