// A rule preview (where a draft rule would have fired over the latest points) as chart
// columns and as the sentence under the editor: "Would have fired 2 times in the last 30
// windows (last: 20 Nov)".
import type { Preview } from "./api";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "20 Nov" (UTC, as the monitor's windows are), with the hour when it is not midnight. */
export function shortDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return d.getUTCHours() || d.getUTCMinutes() ? `${day} ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}` : day;
}

/** A preview's points are steps (a run's metric) rather than times (a monitor's windows). */
export function bySteps(p: Pick<Preview, "steps">): boolean {
  return p.steps.length > 0 && p.steps.every((s) => s !== null);
}

/** Where point i is, in words: "20 Nov" or "step 120". */
export function pointLabel(p: Pick<Preview, "steps" | "times">, i: number): string {
  return bySteps(p) ? `step ${p.steps[i]}` : shortDate(p.times[i]);
}

export interface ChartSeries {
  /** Seconds since the epoch, or steps. */
  x: number[];
  time: boolean;
  values: (number | null)[];
  lower: (number | null)[] | null;
  upper: (number | null)[] | null;
  breach: boolean[];
  firing: boolean[];
  verdicts: (string | null)[] | null;
  /** Stretches of consecutive firing points, as [first, last] indexes. */
  spans: [number, number][];
  transitions: { index: number; state: "firing" | "resolved" }[];
  /** Where each point is, in words (the tooltip's heading). */
  labels: string[];
}

function finite(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function firingSpans(firing: boolean[]): [number, number][] {
  const spans: [number, number][] = [];
  let start = -1;
  firing.forEach((on, i) => {
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      spans.push([start, i - 1]);
      start = -1;
    }
  });
  if (start >= 0) spans.push([start, firing.length - 1]);
  return spans;
}

export function chartSeries(p: Preview): ChartSeries {
  const steps = bySteps(p);
  const lower = p.lower.map(finite);
  const upper = p.upper.map(finite);
  return {
    x: steps ? p.steps.map((s) => s as number) : p.times.map((t) => Date.parse(t) / 1000),
    time: !steps,
    values: p.values.map(finite),
    lower: lower.some((v) => v !== null) ? lower : null,
    upper: upper.some((v) => v !== null) ? upper : null,
    breach: p.breach,
    firing: p.firing,
    verdicts: p.verdicts,
    spans: firingSpans(p.firing),
    transitions: p.transitions.map(([index, state]) => ({ index, state })),
    labels: p.times.map((_, i) => pointLabel(p, i)),
  };
}

export interface PreviewSummary {
  /** How many times the rule would have started firing, over every scope. */
  fired: number;
  /** Points judged per scope (the longest scope). */
  points: number;
  /** Scopes that would have fired at least once, of all scopes. */
  scopesFired: number;
  scopes: number;
  /** Scopes firing at their last point. */
  firingNow: number;
  /** When it last started firing, in words ("20 Nov", "step 120"), or null. */
  last: string | null;
  sentence: string;
}

/** How often a draft rule would have fired; ``unit`` is "windows" or "points". */
export function summarise(previews: Preview[], unit = "windows"): PreviewSummary {
  let fired = 0;
  let scopesFired = 0;
  let firingNow = 0;
  let points = 0;
  let last: { key: number; label: string } | null = null;
  for (const p of previews) {
    points = Math.max(points, p.values.length);
    const starts = p.transitions.filter(([, state]) => state === "firing");
    fired += starts.length;
    if (starts.length) scopesFired += 1;
    if (p.firing[p.firing.length - 1]) firingNow += 1;
    for (const [i] of starts) {
      const key = bySteps(p) ? (p.steps[i] as number) : Date.parse(p.times[i]);
      if (!last || key > last.key) last = { key, label: pointLabel(p, i) };
    }
  }
  const one = unit.replace(/s$/, "");
  const span = points === 1 ? `on the only ${one} so far` : `in the last ${points} ${unit}`;
  let sentence: string;
  if (previews.length === 0 || points === 0) sentence = "Nothing to judge yet: what this rule watches has no points.";
  else if (fired === 0) sentence = `Would not have fired ${span}.`;
  else {
    const times = fired === 1 ? "once" : fired === 2 ? "twice" : `${fired} times`;
    const scopes = previews.length > 1 ? `, for ${scopesFired} of ${previews.length} series` : "";
    sentence = `Would have fired ${times} ${span}${scopes} (last: ${last?.label}).`;
  }
  if (firingNow) sentence += previews.length > 1 ? ` ${firingNow} would be firing now.` : " It would be firing now.";
  return { fired, points, scopesFired, scopes: previews.length, firingNow, last: last?.label ?? null, sentence };
}

/** The scope to chart first: the one that fired most (latest on a tie), else the first. */
export function busiestScope(previews: Preview[]): string | null {
  let best: Preview | null = null;
  let bestScore = -1;
  for (const p of previews) {
    const score = p.transitions.filter(([, s]) => s === "firing").length * 1000 + p.firing.filter(Boolean).length;
    if (score > bestScore) {
      best = p;
      bestScore = score;
    }
  }
  return best?.scope ?? null;
}
