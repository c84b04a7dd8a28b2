// Min/max envelopes: what a chart draws. One bucket per pixel column holds the exact
// count, min, max, first and last of the points inside it, so a single-step spike stays
// visible at every zoom level while a million-point series costs a few thousand points.
//
// The server computes envelopes over steps (POST /history/envelope); for other x axes
// (wall time, relative time, another metric) the same structure is built here from raw
// points, so drawing and hover have one code path.

/** Buckets over x: bucket i covers [edges[i], edges[i+1]). Empty buckets have count 0. */
export interface Env {
  edges: number[];
  count: number[];
  min: number[];
  max: number[];
  first: number[];
  last: number[];
  firstX: number[];
  lastX: number[];
}

/** JSON numbers, or the strings the API uses for non-finite floats. */
export type WireFloat = number | string | null;

export function fromWireFloat(value: WireFloat): number {
  if (typeof value === "number") return value;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  return NaN;
}

export interface WireEnvelope {
  edges: number[];
  count: number[];
  min: WireFloat[];
  max: WireFloat[];
  first: WireFloat[];
  last: WireFloat[];
  first_step: number[];
  last_step: number[];
}

export function fromWire(env: WireEnvelope): Env {
  return {
    edges: env.edges,
    count: env.count,
    min: env.min.map(fromWireFloat),
    max: env.max.map(fromWireFloat),
    first: env.first.map(fromWireFloat),
    last: env.last.map(fromWireFloat),
    firstX: env.first_step,
    lastX: env.last_step,
  };
}

/**
 * The envelope of raw points over ``[lo, hi]`` in ``buckets`` equal slices of x.
 * ``xs`` need not be sorted (a metric used as x axis can go up and down).
 */
export function envelopeOfPoints(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  lo: number,
  hi: number,
  buckets: number,
): Env {
  const n = Math.max(1, Math.floor(buckets));
  const width = hi > lo ? (hi - lo) / n : 1;
  const edges = Array.from({ length: n + 1 }, (_, i) => lo + i * width);
  const env: Env = {
    edges,
    count: new Array<number>(n).fill(0),
    min: new Array<number>(n).fill(NaN),
    max: new Array<number>(n).fill(NaN),
    first: new Array<number>(n).fill(NaN),
    last: new Array<number>(n).fill(NaN),
    firstX: new Array<number>(n).fill(NaN),
    lastX: new Array<number>(n).fill(NaN),
  };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!(x >= lo && x <= hi)) continue;
    const b = Math.min(n - 1, Math.floor((x - lo) / width));
    if (env.count[b] === 0 || x < env.firstX[b]) {
      env.firstX[b] = x;
      env.first[b] = y;
    }
    if (env.count[b] === 0 || x >= env.lastX[b]) {
      env.lastX[b] = x;
      env.last[b] = y;
    }
    env.count[b]++;
    // NaN never wins a comparison, like the server's fmin/fmax.
    if (!(env.min[b] <= y)) env.min[b] = Number.isNaN(y) ? env.min[b] : y;
    if (!(env.max[b] >= y)) env.max[b] = Number.isNaN(y) ? env.max[b] : y;
  }
  return env;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * The points that draw an envelope: per bucket its first point, its min and max (in the
 * order that keeps the line monotone between them), and its last point. A NaN or
 * infinite value is a gap (null), so it breaks the line instead of bending it.
 */
export function drawPoints(env: Env): [number[], (number | null)[]] {
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  const push = (x: number, y: number) => {
    if (xs.length && x < xs[xs.length - 1]) x = xs[xs.length - 1];
    xs.push(x);
    ys.push(finiteOrNull(y));
  };
  for (let i = 0; i < env.count.length; i++) {
    const count = env.count[i];
    if (count === 0) continue;
    const x0 = env.firstX[i];
    const x1 = env.lastX[i];
    push(x0, env.first[i]);
    if (count > 2) {
      const rising = env.last[i] >= env.first[i];
      const [a, b] = rising ? [env.min[i], env.max[i]] : [env.max[i], env.min[i]];
      push(x0 + (x1 - x0) / 3, a);
      push(x0 + ((x1 - x0) * 2) / 3, b);
    }
    if (count > 1) push(x1, env.last[i]);
  }
  return [xs, ys];
}

/** The bucket holding x, or the nearest non-empty one within ``reach`` buckets; -1 if none. */
export function bucketAt(env: Env, x: number, reach = 2): number {
  const { edges, count } = env;
  let lo = 0;
  let hi = edges.length - 2;
  if (hi < 0 || x < edges[0] - (edges[1] - edges[0]) * reach) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  for (let d = 0; d <= reach; d++) {
    if (lo - d >= 0 && count[lo - d] > 0) return lo - d;
    if (lo + d < count.length && count[lo + d] > 0) return lo + d;
  }
  return -1;
}

const lastXCache = new WeakMap<Env, number>();

function lastXOf(env: Env): number {
  let last = lastXCache.get(env);
  if (last === undefined) {
    last = -Infinity;
    for (let i = 0; i < env.count.length; i++) if (env.count[i] > 0) last = Math.max(last, env.lastX[i]);
    lastXCache.set(env, last);
  }
  return last;
}

/**
 * The series' value at x: the last point at or before x (carried forward), or undefined
 * outside the series' own x range. What group bands average, so sparse runs still count.
 */
export function valueAt(env: Env, x: number): number | undefined {
  const { edges, count } = env;
  if (!count.length) return undefined;
  let lo = 0;
  let hi = count.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  for (let b = lo; b >= 0; b--) {
    if (count[b] === 0) continue;
    if (env.firstX[b] > x) continue;
    // Past the series' last point there is nothing to carry.
    if (x > lastXOf(env)) return undefined;
    return env.lastX[b] <= x || env.count[b] === 1 ? env.last[b] : env.first[b];
  }
  return undefined;
}

/** The x range covered by points of any of the envelopes, or null when all are empty. */
export function xExtent(envs: Env[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const env of envs)
    for (let i = 0; i < env.count.length; i++) {
      if (env.count[i] === 0) continue;
      lo = Math.min(lo, env.firstX[i]);
      hi = Math.max(hi, env.lastX[i]);
    }
  return lo <= hi ? [lo, hi] : null;
}
