import { useEffect, useMemo, useState } from "react";
import type { AlignedData, Options } from "uplot";
import uPlot from "uplot";
import { api } from "../api/http";
import type { HealthSummary, SeriesResponse, SleepPoint, WorkoutsResponse } from "../api/types";
import { useSession } from "../session";
import { Chart } from "./Chart";
import { daysIn, epoch, PRESETS, presetRange, type DateRange, type Preset } from "./ranges";

interface Loaded {
  steps: SeriesResponse;
  energy: SeriesResponse;
  resting: SeriesResponse;
  hrv: SeriesResponse;
  weight: SeriesResponse;
  sleep: SleepPoint[];
  workouts: WorkoutsResponse;
  range: DateRange;
  sleepGranularity: "day" | "week";
  serverMs: number;
}

const STAGES = [
  { key: "deepHours", label: "deep", color: "#1e3a8a" },
  { key: "coreHours", label: "core", color: "#3b82f6" },
  { key: "remHours", label: "REM", color: "#8b5cf6" },
  { key: "otherHours", label: "asleep (no stage)", color: "#94a3b8" },
  { key: "awakeHours", label: "awake", color: "#f59e0b" },
] as const;
const PALETTE = ["#dc382d", "#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#65a30d"];

const bars = uPlot.paths.bars?.({ size: [0.8, 24] });
const HALF_DAY = 43_200;
const fromZero: uPlot.Range.Function = (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1];

/** Every chart spans the chosen range (one point of data does not stretch the axis to years); bars get half a bucket of room at each end. */
function timeScale(range: DateRange, padSeconds = HALF_DAY): uPlot.Scale {
  return { time: true, range: [epoch(range.from) - padSeconds, epoch(range.to) + padSeconds] };
}

function lineOptions(range: DateRange, series: { label: string; color: string; unit: string; scale?: string }[]): Omit<Options, "width" | "height"> {
  const scales = [...new Set(series.map((each) => each.scale ?? "y"))];
  return {
    scales: { x: timeScale(range) },
    series: [{}, ...series.map((each) => ({ label: `${each.label} (${each.unit})`, stroke: each.color, width: 1.5, scale: each.scale ?? "y", spanGaps: false }))],
    axes: [{}, ...scales.map((scale, index) => ({ scale, side: index === 0 ? 3 : 1, size: 60, grid: { show: index === 0 } }))],
    legend: { live: true },
  };
}

/**
 * Stacked bars: each series is drawn as the running total up to it (uPlot has no stacking of
 * its own), the last on top drawn first; the legend shows each layer's own value.
 */
function stacked(range: DateRange, padSeconds: number, xs: number[], layers: { label: string; color: string; values: number[] }[], unit: string): { options: Omit<Options, "width" | "height">; data: AlignedData } {
  const totals = layers.map((_, layer) => xs.map((_x, index) => layers.slice(0, layer + 1).reduce((sum, each) => sum + (each.values[index] ?? 0), 0)));
  const order = layers.map((_, index) => index).reverse();
  return {
    data: [xs, ...order.map((index) => totals[index] ?? [])],
    options: {
      scales: { x: timeScale(range, padSeconds), y: { range: fromZero } },
      series: [
        {},
        ...order.map((index) => ({
          label: `${layers[index]?.label ?? ""} (${unit})`,
          fill: layers[index]?.color ?? "#999",
          stroke: layers[index]?.color ?? "#999",
          paths: bars,
          points: { show: false },
          value: (_u: uPlot, _v: number | null, _series: number, at: number | null) => (at == null ? "—" : String(Math.round((layers[index]?.values[at] ?? 0) * 100) / 100)),
        })),
      ],
      axes: [{}, { size: 60 }],
      legend: { live: true },
    },
  };
}

/** HRV arrives in the importer's time unit; people read it in milliseconds. */
function inMilliseconds(response: SeriesResponse): SeriesResponse {
  const factor = response.unit === "min" ? 60_000 : response.unit === "s" ? 1000 : 1;
  return { ...response, unit: factor === 1 ? response.unit : "ms", points: response.points.map((point) => ({ ...point, value: Math.round(point.value * factor * 10) / 10 })) };
}

function series(response: SeriesResponse | undefined): [number[], number[]] {
  const points = response?.points ?? [];
  return [points.map((point) => epoch(point.date)), points.map((point) => point.value)];
}

/** Charts of the caller's imported data over a chosen range, from the /api/health routes. */
export function Dashboard() {
  const { token } = useSession();
  const [summary, setSummary] = useState<HealthSummary | null>(null);
  const [preset, setPreset] = useState<Preset | "custom">("6m");
  const [range, setRange] = useState<DateRange | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<HealthSummary>(token, "/api/health/summary")
      .then((body) => {
        setSummary(body);
        if (body.imported && body.firstDate && body.lastDate) setRange(presetRange("6m", { from: body.firstDate, to: body.lastDate }));
      })
      .catch((failure: Error) => setError(failure.message));
  }, [token]);

  useEffect(() => {
    if (!range) return;
    let current = true;
    const days = daysIn(range);
    const query = (extra: Record<string, string>) => new URLSearchParams({ from: range.from, to: range.to, ...extra }).toString();
    const metric = (name: string) => api<SeriesResponse>(token, `/api/health/series?${query({ metric: name, granularity: "day" })}`);
    const started = performance.now();
    const sleepGranularity = days > 400 ? "week" : "day";
    Promise.all([
      metric("StepCount"),
      metric("ActiveEnergyBurned"),
      metric("RestingHeartRate"),
      metric("HeartRateVariabilitySDNN"),
      metric("BodyMass"),
      api<{ points: SleepPoint[] }>(token, `/api/health/sleep?${query({ granularity: sleepGranularity })}`),
      api<WorkoutsResponse>(token, `/api/health/workouts?${query({ granularity: "week" })}`),
    ])
      .then(([steps, energy, resting, hrv, weight, sleep, workouts]) => {
        if (current) {
          setLoaded({ steps, energy, resting, hrv: inMilliseconds(hrv), weight, sleep: sleep.points, workouts, range, sleepGranularity, serverMs: Math.round(performance.now() - started) });
          setError(null);
        }
      })
      .catch((failure: Error) => current && setError(failure.message));
    return () => {
      current = false;
    };
  }, [range, token]);

  const charts = useMemo(() => {
    if (!loaded) return null;
    const [stepX, stepY] = series(loaded.steps);
    const [energyX, energyY] = series(loaded.energy);
    const [weightX, weightY] = series(loaded.weight);
    const heartDates = [...new Set([...loaded.resting.points, ...loaded.hrv.points].map((point) => point.date))].sort();
    const resting = new Map(loaded.resting.points.map((point) => [point.date, point.value]));
    const hrv = new Map(loaded.hrv.points.map((point) => [point.date, point.value]));
    const midWeek = 3 * 86_400;
    const sleepX = loaded.sleep.map((point) => epoch(point.date) + (loaded.sleepGranularity === "week" ? midWeek : 0));
    const { range } = loaded;
    const sleep = stacked(
      range,
      loaded.sleepGranularity === "week" ? 3.5 * 86_400 : HALF_DAY,
      sleepX,
      STAGES.map((stage) => ({
        label: stage.label,
        color: stage.color,
        values: loaded.sleep.map((point) =>
          stage.key === "otherHours" ? Math.max(0, point.asleepHours - point.coreHours - point.deepHours - point.remHours) : point[stage.key],
        ),
      })),
      "h",
    );
    const workouts = stacked(
      range,
      3.5 * 86_400,
      loaded.workouts.points.map((point) => epoch(point.date) + midWeek),
      loaded.workouts.types.map((type, index) => ({ label: type, color: PALETTE[index % PALETTE.length] ?? "#999", values: loaded.workouts.points.map((point) => point.count[type] ?? 0) })),
      "per week",
    );
    return {
      steps: {
        data: [stepX, stepY] as AlignedData,
        options: {
          ...lineOptions(range, [{ label: "steps", color: "#dc382d", unit: "per day" }]),
          scales: { x: timeScale(range), y: { range: fromZero } },
          series: [{}, { label: "steps per day", fill: "#dc382d55", stroke: "#dc382d", paths: bars, points: { show: false } }],
        },
      },
      energy: { data: [energyX, energyY] as AlignedData, options: lineOptions(range, [{ label: "active energy", color: "#ea580c", unit: loaded.energy.unit ?? "kcal" }]) },
      heart: {
        data: [heartDates.map(epoch), heartDates.map((date) => resting.get(date) ?? null), heartDates.map((date) => hrv.get(date) ?? null)] as AlignedData,
        options: lineOptions(range, [
          { label: "resting heart rate", color: "#dc2626", unit: "bpm" },
          { label: "HRV", color: "#2563eb", unit: loaded.hrv.unit ?? "ms", scale: "hrv" },
        ]),
      },
      weight: { data: [weightX, weightY] as AlignedData, options: lineOptions(range, [{ label: "weight", color: "#16a34a", unit: loaded.weight.unit ?? "kg" }]) },
      sleep,
      workouts,
    };
  }, [loaded]);

  if (error) {
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  }
  if (!summary) return <p className="notice">Loading…</p>;
  if (!summary.imported || !summary.firstDate || !summary.lastDate) {
    return <p className="notice" data-testid="dashboard-empty">No health data yet. Import your Apple Health export (the Import tab) to see charts here.</p>;
  }
  const data: DateRange = { from: summary.firstDate, to: summary.lastDate };
  const choose = (next: Preset) => {
    setPreset(next);
    setRange(presetRange(next, data));
  };
  return (
    <div className="dashboard">
      <div className="range-bar">
        {PRESETS.map((each) => (
          <button key={each.id} type="button" data-testid={`range-${each.id}`} className={preset === each.id ? "chip active" : "chip"} onClick={() => choose(each.id)}>
            {each.label}
          </button>
        ))}
        <label>
          from{" "}
          <input
            type="date"
            data-testid="range-from"
            min={data.from}
            max={data.to}
            value={range?.from ?? ""}
            onChange={(event) => {
              if (!event.target.value || !range) return;
              setPreset("custom");
              setRange({ from: event.target.value, to: range.to < event.target.value ? event.target.value : range.to });
            }}
          />
        </label>
        <label>
          to{" "}
          <input
            type="date"
            data-testid="range-to"
            min={data.from}
            max={data.to}
            value={range?.to ?? ""}
            onChange={(event) => {
              if (!event.target.value || !range) return;
              setPreset("custom");
              setRange({ from: range.from > event.target.value ? event.target.value : range.from, to: event.target.value });
            }}
          />
        </label>
        <span className="muted">
          Your data: {data.from} to {data.to}
          {loaded ? ` · loaded in ${loaded.serverMs} ms` : ""}
        </span>
      </div>
      {charts && (
        <div className="charts">
          <Chart testId="chart-steps" title="Daily steps" {...charts.steps} />
          <Chart testId="chart-energy" title="Active energy per day" {...charts.energy} />
          <Chart testId="chart-heart" title="Resting heart rate and HRV" {...charts.heart} />
          <Chart testId="chart-sleep" title="Sleep per night by stage" {...charts.sleep} />
          <Chart testId="chart-workouts" title="Workouts per week by type" {...charts.workouts} />
          <Chart testId="chart-weight" title="Weight" {...charts.weight} />
        </div>
      )}
    </div>
  );
}
