// What a panel does to drawn series: smoothing, group bands, an outlier-proof y range.
import { valueAt, type Env } from "./envelope";

export type Smoothing = { kind: "none" } | { kind: "ema"; weight: number } | { kind: "mean"; window: number };

/**
 * Exponential moving average with the start-up bias removed (the first points are not
 * dragged towards 0); gaps (null) stay gaps and do not reset the average.
 */
export function ema(ys: (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let acc = 0;
  let n = 0;
  return ys.map((y) => {
    if (y === null) return null;
    acc = acc * w + (1 - w) * y;
    n++;
    return acc / (1 - Math.pow(w, n));
  });
}

/** Trailing mean of the last ``window`` values that are not gaps. */
export function runningMean(ys: (number | null)[], window: number): (number | null)[] {
  const size = Math.max(1, Math.floor(window));
  const kept: number[] = [];
  let sum = 0;
  return ys.map((y) => {
    if (y === null) return null;
    kept.push(y);
    sum += y;
    if (kept.length > size) sum -= kept.shift()!;
    return sum / kept.length;
  });
}

export function smooth(ys: (number | null)[], smoothing: Smoothing): (number | null)[] {
  if (smoothing.kind === "ema") return ema(ys, smoothing.weight);
  if (smoothing.kind === "mean") return runningMean(ys, smoothing.window);
  return ys;
}

/** One value per non-empty bucket (its last point): the series smoothing works on. */
export function lastPoints(env: Env): [number[], (number | null)[]] {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (let i = 0; i < env.count.length; i++) {
    if (env.count[i] === 0) continue;
    xs.push(env.lastX[i]);
    ys.push(Number.isFinite(env.last[i]) ? env.last[i] : null);
  }
  return [xs, ys];
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * A y range that ignores outliers: the 2nd to 98th percentile of the values, padded by
 * a tenth of its height. Null when there is nothing finite to show.
 */
export function robustRange(values: Iterable<number | null | undefined>): [number, number] | null {
  const finite: number[] = [];
  for (const v of values) if (typeof v === "number" && Number.isFinite(v)) finite.push(v);
  if (!finite.length) return null;
  finite.sort((a, b) => a - b);
  const lo = quantile(finite, 0.02);
  const hi = quantile(finite, 0.98);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

export interface Band {
  xs: number[];
  mean: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
}

/**
 * Aggregate of a group's runs on a common grid of ``buckets`` slices of [lo, hi]: per
 * slice, the mean of the runs' values there, and min–max or mean ± one standard deviation.
 * A run's value in a slice is its last point at or before the slice's centre.
 */
export function groupBand(envs: Env[], lo: number, hi: number, buckets: number, spread: "minmax" | "std"): Band {
  const n = Math.max(1, Math.floor(buckets));
  const band: Band = { xs: [], mean: [], lower: [], upper: [] };
  const width = (hi - lo) / n || 1;
  for (let i = 0; i < n; i++) {
    const x = lo + (i + 0.5) * width;
    const values: number[] = [];
    for (const env of envs) {
      const v = valueAt(env, x);
      if (v !== undefined && Number.isFinite(v)) values.push(v);
    }
    if (!values.length) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    let lower: number;
    let upper: number;
    if (spread === "minmax") {
      lower = Math.min(...values);
      upper = Math.max(...values);
    } else {
      const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
      lower = mean - sd;
      upper = mean + sd;
    }
    band.xs.push(x);
    band.mean.push(mean);
    band.lower.push(lower);
    band.upper.push(upper);
  }
  return band;
}
