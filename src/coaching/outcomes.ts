import { dateOfDayNumber, dayNumber } from "../health/import/normalize.js";
import type { HealthStore } from "../health/store/health-store.js";
import type { DataOutcome, Intervention, Interventions } from "../memory/interventions.js";
import { MetricAverages } from "./metric-average.js";

export interface OutcomeCheckOptions {
  interventions: Interventions;
  store: HealthStore;
  /** A change smaller than this fraction of the baseline counts as unchanged (default 0.05). */
  threshold?: number;
  /** Fewer days with data in the window than this: insufficient data (default 4). */
  minDays?: number;
  now?: () => Date;
}

/**
 * Measures what each piece of advice did, from the data: once the user's data reaches the end
 * of an intervention's evaluation window, the metric's average over the window is compared with
 * its baseline and the intervention is marked improved, unchanged or worse (in the direction the
 * advice aimed for), with both numbers and the change. Advice whose window the data does not
 * reach yet stays pending and is looked at again on the next import or pass. Only the data
 * outcome is written; what the user said about the advice is left as it is.
 *
 * @example
 * ```ts
 * const check = new OutcomeCheck({ interventions: memory.interventions, store });
 * await check.forUser("alice");   // after an import
 * await check.due();              // on the worker's schedule
 * ```
 */
export class OutcomeCheck {
  private readonly averages: MetricAverages;
  private readonly threshold: number;
  private readonly minDays: number;
  private readonly now: () => Date;

  constructor(private readonly options: OutcomeCheckOptions) {
    this.averages = new MetricAverages(options.store);
    this.threshold = options.threshold ?? 0.05;
    this.minDays = options.minDays ?? 4;
    this.now = options.now ?? (() => new Date());
  }

  /** Every pending intervention of the user whose window the data now reaches; returns those resolved. */
  async forUser(userId: string): Promise<Intervention[]> {
    const pending = await this.options.interventions.list(userId, { outcome: "pending" });
    return this.resolveAll(userId, pending);
  }

  /** Every intervention whose window has ended by the clock, for all users; returns those resolved. */
  async due(limit = 200): Promise<Intervention[]> {
    const interventions = this.options.interventions;
    const entries = await interventions.due(this.now().getTime(), limit);
    const byUser = new Map<string, Set<string>>();
    for (const { userId, id } of entries) byUser.set(userId, (byUser.get(userId) ?? new Set()).add(id));
    const resolved: Intervention[] = [];
    for (const [userId, ids] of byUser) {
      const pending = (await interventions.list(userId)).filter((each) => ids.has(each.id));
      for (const id of ids) if (!pending.some((each) => each.id === id)) await interventions.dropDue(userId, id);
      resolved.push(...(await this.resolveAll(userId, pending.filter((each) => each.outcome === "pending"))));
    }
    return resolved;
  }

  private async resolveAll(userId: string, pending: Intervention[]): Promise<Intervention[]> {
    if (pending.length === 0) return [];
    const manifest = await this.options.store.manifest(userId);
    const lastDate = manifest?.lastDate;
    const resolved: Intervention[] = [];
    for (const intervention of pending) {
      if (!lastDate || lastDate < intervention.evaluateAfter) continue;
      const outcome = await this.measure(userId, intervention);
      if (await this.options.interventions.resolve(userId, intervention.id, outcome)) resolved.push({ ...intervention, outcome: outcome.status, dataOutcome: outcome });
    }
    return resolved;
  }

  /** The window's average against the baseline, in the direction the advice aimed for. */
  private async measure(userId: string, intervention: Intervention): Promise<DataOutcome> {
    const from = dateOfDayNumber(dayNumber(intervention.date) + 1);
    const to = intervention.evaluateAfter;
    const evaluatedAt = this.now().toISOString();
    const baseline = intervention.baseline;
    const observed = await this.averages.average(userId, intervention.metric, from, to);
    const unit = observed?.unit ?? baseline?.unit ?? "";
    // A baseline in another unit (the data was imported again since, with the metric in a new
    // unit, as heart rate variability moved from minutes to milliseconds) cannot be compared.
    if (!baseline || !observed || observed.days < this.minDays || (baseline.unit !== "" && observed.unit !== "" && baseline.unit !== observed.unit)) {
      return { status: "insufficient_data", baseline: baseline?.value ?? 0, ...(observed ? { observed: observed.value } : {}), unit, from, to, days: observed?.days ?? 0, evaluatedAt };
    }
    const change = Math.round((observed.value - baseline.value) * 100) / 100;
    const relative = baseline.value === 0 ? (change === 0 ? 0 : Math.sign(change)) : change / Math.abs(baseline.value);
    const better = intervention.direction === "decrease" ? -relative : relative;
    const status = Math.abs(relative) < this.threshold ? "unchanged" : better > 0 ? "improved" : "worse";
    return {
      status,
      baseline: baseline.value,
      observed: observed.value,
      change,
      changePercent: Math.round(relative * 1000) / 10,
      unit,
      from,
      to,
      days: observed.days,
      evaluatedAt,
    };
  }
}
