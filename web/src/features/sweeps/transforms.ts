// Pure helpers of the sweep pages: progress, best-so-far, Pareto fronts, per-parameter
// slices and what the sweep file says about each parameter. No DOM, so they are unit tested.
import type { Sweep, SweepAction, SweepMetric, Trial } from "../../api/client";
import { formatValue } from "../../components/format";
import { EMPTY_VIEW, formatView } from "../../lib/viewState";
import { projectPath } from "../../lib/route";

export type TrialState = Trial["state"];
export type Goal = SweepMetric["goal"];

/** Trial states in the order the progress bar draws them, with their colours. */
export const PROGRESS_STATES: { state: TrialState; label: string; color: string }[] = [
  { state: "finished", label: "finished", color: "#2b8a3e" },
  { state: "pruned", label: "pruned", color: "#7048e8" },
  { state: "failed", label: "failed", color: "#c92a2a" },
  { state: "running", label: "running", color: "#2f6fdf" },
  { state: "queued", label: "queued", color: "#adb5bd" },
  { state: "cancelled", label: "cancelled", color: "#e67700" },
];

export interface Progress {
  segments: { state: TrialState; label: string; color: string; n: number; share: number }[];
  /** Trials the sweep will run in all (run_cap, or the grid's size), or null when open-ended. */
  planned: number | null;
  total: number;
  /** Trials that ended (finished, pruned, failed or cancelled). */
  done: number;
}

/** The progress bar: each state's count and its share of the planned trials (or of the
 * trials so far when the sweep has no cap). */
export function progressOf(sweep: Pick<Sweep, "counts" | "total" | "run_cap" | "space_size">): Progress {
  const planned = sweep.run_cap ?? sweep.space_size ?? null;
  const scale = Math.max(1, planned ?? 0, sweep.total);
  const segments = PROGRESS_STATES.map((s) => {
    const n = sweep.counts[s.state] ?? 0;
    return { ...s, n, share: n / scale };
  });
  const done = ["finished", "pruned", "failed", "cancelled"].reduce((sum, s) => sum + (sweep.counts[s] ?? 0), 0);
  return { segments, planned, total: sweep.total, done };
}

/** Which buttons a sweep in ``state`` offers. Resume also starts a sweep created paused. */
export function allowedActions(state: Sweep["state"]): Record<SweepAction, boolean> {
  const live = state === "running" || state === "paused";
  return { resume: state === "paused", pause: state === "running", stop: live, cancel: live };
}

/** True when ``a`` is better than ``b`` for the goal. */
export function better(a: number, b: number, goal: Goal): boolean {
  return goal === "minimize" ? a < b : a > b;
}

/** A trial's value of metric ``index`` when it is a finite number. */
export function valueOf(trial: Trial, index = 0): number | null {
  const v = trial.values?.[index];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export interface History {
  /** Trial numbers of the finished trials with a value, ascending. */
  numbers: number[];
  values: number[];
  /** The best value of any finished trial up to and including each one. */
  best: number[];
}

/** The optimisation history: each finished trial's value by trial number, and the best so
 * far (lowest when minimising, highest when maximising). */
export function historyOf(trials: Trial[], goal: Goal, index = 0): History {
  const rows = trials
    .filter((t) => t.state === "finished" && valueOf(t, index) !== null)
    .sort((a, b) => a.number - b.number);
  const out: History = { numbers: [], values: [], best: [] };
  let best: number | null = null;
  for (const t of rows) {
    const v = valueOf(t, index) as number;
    if (best === null || better(v, best, goal)) best = v;
    out.numbers.push(t.number);
    out.values.push(v);
    out.best.push(best);
  }
  return out;
}

/**
 * Indexes of the points no other point beats on both metrics (the Pareto front), in the
 * order of the first metric's best value first. A point is beaten when another is at least
 * as good on both and strictly better on one; equal points are all on the front.
 */
export function paretoFront(points: [number, number][], goals: [Goal, Goal]): number[] {
  const sign = goals.map((g) => (g === "minimize" ? 1 : -1));
  const order = points.map((_, i) => i).sort((a, b) => {
    const d = sign[0] * (points[a][0] - points[b][0]);
    return d !== 0 ? d : sign[1] * (points[a][1] - points[b][1]);
  });
  const front: number[] = [];
  let bestSecond = Infinity;
  let last: [number, number] | null = null;
  for (const i of order) {
    const cost: [number, number] = [sign[0] * points[i][0], sign[1] * points[i][1]];
    const same = last !== null && last[0] === cost[0] && last[1] === cost[1];
    if (cost[1] < bestSecond || same) {
      front.push(i);
      bestSecond = Math.min(bestSecond, cost[1]);
      last = cost;
    }
  }
  return front;
}

export interface ParetoData {
  trials: Trial[];
  x: number[];
  y: number[];
  /** Which trials are on the front (same order as ``trials``). */
  onFront: boolean[];
}

/** The finished trials with both of the first two metrics, and which of them form the
 * front; front trials come last so they are drawn on top. */
export function paretoData(trials: Trial[], metrics: SweepMetric[]): ParetoData {
  const scored = trials.filter((t) => t.state === "finished" && valueOf(t, 0) !== null && valueOf(t, 1) !== null);
  const points = scored.map((t) => [valueOf(t, 0), valueOf(t, 1)] as [number, number]);
  const front = new Set(paretoFront(points, [metrics[0].goal, metrics[1].goal]));
  const order = scored.map((_, i) => i).sort((a, b) => Number(front.has(a)) - Number(front.has(b)));
  return {
    trials: order.map((i) => scored[i]),
    x: order.map((i) => points[i][0]),
    y: order.map((i) => points[i][1]),
    onFront: order.map((i) => front.has(i)),
  };
}

export interface ParamInfo {
  name: string;
  /** The distribution as the sweep file gives it, or inferred as the server does. */
  distribution: string;
  log: boolean;
}

/** Every searched parameter of a sweep file by dotted name (constants left out), in the
 * file's order; nested ``parameters`` blocks become ``outer.inner``. */
export function paramsOf(config: Record<string, unknown>): ParamInfo[] {
  const out: ParamInfo[] = [];
  const walk = (block: unknown, prefix: string) => {
    if (!block || typeof block !== "object") return;
    for (const [name, raw] of Object.entries(block as Record<string, unknown>)) {
      if (!raw || typeof raw !== "object") continue;
      const d = raw as Record<string, unknown>;
      if ("parameters" in d) {
        walk(d.parameters, `${prefix}${name}.`);
        continue;
      }
      const distribution = distributionOf(d);
      if (distribution === "constant") continue;
      out.push({ name: prefix + name, distribution, log: distribution.startsWith("log_") || distribution.startsWith("q_log_") });
    }
  };
  walk(config.parameters, "");
  return out;
}

function distributionOf(d: Record<string, unknown>): string {
  if (typeof d.distribution === "string") return d.distribution;
  if ("value" in d) return "constant";
  if ("values" in d) return Array.isArray(d.values) && d.values.length === 1 ? "constant" : "categorical";
  if ("min" in d && "max" in d) return Number.isInteger(d.min) && Number.isInteger(d.max) ? "int_uniform" : "uniform";
  return "normal";
}

/** The parameters to plot: those of the sweep file, plus any only the trials know (a file
 * the page cannot read), in the file's order. */
export function plottedParams(config: Record<string, unknown>, trials: Trial[]): ParamInfo[] {
  const known = paramsOf(config);
  const names = new Set(known.map((p) => p.name));
  const extra = new Set<string>();
  for (const t of trials.slice(0, 200)) for (const k of Object.keys(t.params)) if (!names.has(k)) extra.add(k);
  const varied = [...extra].filter((k) => new Set(trials.map((t) => JSON.stringify(t.params[k]))).size > 1);
  return [...known, ...varied.sort().map((name) => ({ name, distribution: "unknown", log: false }))];
}

/** Parameters whose every value is a number (the contour plot's choices; a categorical
 * parameter of numbers, like widths 8, 16, 32, counts too). */
export function numericParams(params: ParamInfo[], trials: Trial[]): ParamInfo[] {
  return params.filter((p) => {
    let seen = false;
    for (const t of trials) {
      const v = t.params[p.name];
      if (v === undefined || v === null) continue;
      if (typeof v !== "number") return false;
      seen = true;
    }
    return seen;
  });
}

export interface Slice {
  param: ParamInfo;
  trials: Trial[];
  x: unknown[];
  y: number[];
}

/** Metric ``index`` against each parameter, over the finished trials. */
export function slicesOf(params: ParamInfo[], trials: Trial[], index = 0): Slice[] {
  const scored = trials.filter((t) => t.state === "finished" && valueOf(t, index) !== null);
  return params.map((param) => {
    const rows = scored.filter((t) => t.params[param.name] !== undefined && t.params[param.name] !== null);
    return { param, trials: rows, x: rows.map((t) => t.params[param.name]), y: rows.map((t) => valueOf(t, index) as number) };
  });
}

/** The best trial's value of the first metric, as text (empty when nothing finished). */
export function bestText(sweep: Pick<Sweep, "best" | "metrics">): string {
  if (!sweep.metrics.length || !sweep.best.length) return "";
  if (sweep.metrics.length > 1) return `${sweep.best.length} on the Pareto front`;
  const v = valueOf(sweep.best[0], 0);
  return v === null ? "" : `${sweep.metrics[0].name} ${formatValue(v)}`;
}

/** "minimize loss", "maximize accuracy and minimize latency". */
export function goalText(metrics: SweepMetric[]): string {
  return metrics.map((m) => `${m.goal} ${m.name}${m.target !== null ? ` (stop at ${formatValue(m.target)})` : ""}`).join(" and ");
}

/** The runs table filtered to the runs of one sweep (their ``headway.sweep`` tag). */
export function sweepRunsPath(project: string, sweepId: string): string {
  return projectPath(project) + formatView({ ...EMPTY_VIEW, filter: `tag.headway.sweep = ${JSON.stringify(sweepId)}` });
}

/** Position in [0, 1] of ``v`` on an axis from ``lo`` to ``hi`` (log10 when ``log``). */
export function axisPosition(v: number, lo: number, hi: number, log: boolean): number {
  const f = (x: number) => (log ? Math.log10(x) : x);
  const a = f(lo);
  const b = f(hi);
  return b === a ? 0.5 : (f(v) - a) / (b - a);
}

/** Five tick values from ``lo`` to ``hi``, evenly spaced (in log10 when ``log``). */
export function axisTicks(lo: number, hi: number, log: boolean): number[] {
  return Array.from({ length: 5 }, (_, i) => {
    if (!log) return lo + ((hi - lo) * i) / 4;
    const a = Math.log10(lo);
    return Math.pow(10, a + ((Math.log10(hi) - a) * i) / 4);
  });
}

/** The lowest and highest defined value of a grid, or null when it has none. */
export function gridRange(z: (number | null)[][]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of z)
    for (const v of row)
      if (v !== null && Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
  return lo <= hi ? [lo, hi] : null;
}
