export interface DateRange {
  from: string;
  to: string;
}

export type Preset = "30d" | "6m" | "1y" | "all";

export const PRESETS: { id: Preset; label: string }[] = [
  { id: "30d", label: "Last 30 days" },
  { id: "6m", label: "6 months" },
  { id: "1y", label: "A year" },
  { id: "all", label: "All" },
];

const DAY = 86_400_000;
const iso = (time: number) => new Date(time).toISOString().slice(0, 10);

/**
 * A preset range ending on the data's last day (an old export has nothing in "the last 30 days"
 * of the calendar); "all" is the data's own range.
 */
export function presetRange(preset: Preset, data: DateRange): DateRange {
  if (preset === "all") return data;
  const end = Date.parse(`${data.to}T00:00:00Z`);
  const days = preset === "30d" ? 29 : preset === "6m" ? 182 : 364;
  const from = iso(end - days * DAY);
  return { from: from < data.from ? data.from : from, to: data.to };
}

export function daysIn(range: DateRange): number {
  return Math.round((Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / DAY) + 1;
}

/** Epoch seconds of a YYYY-MM-DD (noon UTC, so the day never slips in any zone's axis). */
export function epoch(date: string): number {
  return Date.parse(`${date}T12:00:00Z`) / 1000;
}
