// Loads what a panel draws. Against steps it asks the server for envelopes of the visible
// range at the chart's pixel width, again after every zoom (so zooming in refines down to
// single points); against time or another metric it loads the points once and builds the
// envelopes here.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, getEnvelopes, getHistory, type SeriesWire } from "../api/client";
import { envelopeOfPoints, fromWire, fromWireFloat, type Env } from "./envelope";
import type { XAxis } from "./panels";

export interface ChartRun {
  id: string;
  name: string;
  color: string;
  /** The group this run is aggregated in when a panel draws group bands. */
  group: string | null;
  /** Start time in epoch seconds: zero of the relative-time axis. */
  start: number;
}

export interface PanelLine {
  run: ChartRun;
  key: string;
  env: Env;
}

/** Points per response stay bounded however many runs are compared. */
const POINT_BUDGET = 400_000;
const REFINE_DELAY_MS = 120;

export function bucketsFor(width: number, lines: number): number {
  return Math.max(32, Math.min(Math.round(width), Math.floor(POINT_BUDGET / Math.max(1, lines) / 4)));
}

function xsOf(axis: XAxis, run: ChartRun, series: SeriesWire, xSeries: SeriesWire | undefined): number[] {
  if (axis.kind === "wall") return series.times.map(fromWireFloat);
  if (axis.kind === "relative") return series.times.map((t) => fromWireFloat(t) - run.start);
  if (axis.kind === "metric") {
    // A point's x is the x metric's value logged at the same step (the latest one there).
    const at = new Map<number, number>();
    if (xSeries) xSeries.steps.forEach((s, i) => at.set(s, fromWireFloat(xSeries.values[i])));
    return series.steps.map((s) => at.get(s) ?? NaN);
  }
  return series.steps;
}

type Raw = Record<string, Record<string, SeriesWire>>;

function envelopesOfRaw(raw: Raw, runs: ChartRun[], keys: string[], axis: XAxis, range: [number, number] | null, buckets: number): PanelLine[] {
  const points: { run: ChartRun; key: string; xs: number[]; ys: number[] }[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const run of runs) {
    const byKey = raw[run.id] ?? {};
    const xSeries = axis.kind === "metric" ? byKey[axis.key] : undefined;
    for (const key of keys) {
      const series = byKey[key];
      if (!series) continue;
      const xs = xsOf(axis, run, series, xSeries);
      const ys = series.values.map(fromWireFloat);
      for (const x of xs)
        if (Number.isFinite(x)) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
      points.push({ run, key, xs, ys });
    }
  }
  const [from, to] = range ?? [lo, hi];
  if (!(from <= to)) return [];
  return points.map((p) => ({ run: p.run, key: p.key, env: envelopeOfPoints(p.xs, p.ys, from, to, buckets) }));
}

export function usePanelData(
  runs: ChartRun[],
  keys: string[],
  axis: XAxis,
  width: number,
  range: [number, number] | null,
  refresh: number,
): { lines: PanelLine[] | null; error: ApiError | null } {
  const [lines, setLines] = useState<PanelLine[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const raw = useRef<{ key: string; data: Raw } | null>(null);
  const runKey = runs.map((r) => r.id).join(",");
  const what = JSON.stringify([runKey, keys, axis, refresh]);
  const buckets = bucketsFor(width, runs.length * keys.length);
  const first = useRef(true);

  useEffect(() => {
    if (!runs.length || !keys.length || width <= 0) {
      setLines([]);
      return;
    }
    const abort = new AbortController();
    const load = async () => {
      if (axis.kind === "step") {
        const got = await getEnvelopes(runs.map((r) => r.id), keys, buckets, range, abort.signal);
        const out: PanelLine[] = [];
        for (const run of runs)
          for (const key of keys) {
            const wire = got[run.id]?.[key];
            if (wire && wire.count.length) out.push({ run, key, env: fromWire(wire) });
          }
        return out;
      }
      if (raw.current?.key !== what) {
        const fetchKeys = axis.kind === "metric" ? [...new Set([...keys, axis.key])] : keys;
        raw.current = { key: what, data: await getHistory(runs.map((r) => r.id), fetchKeys, abort.signal) };
      }
      return envelopesOfRaw(raw.current.data, runs, keys, axis, range, buckets);
    };
    // The first load goes at once; zoom and pan steps wait until the pointer settles.
    const delay = first.current ? 0 : REFINE_DELAY_MS;
    first.current = false;
    const timer = setTimeout(() => {
      load()
        .then((out) => {
          if (!abort.signal.aborted) {
            setLines(out);
            setError(null);
          }
        })
        .catch((e: unknown) => {
          if (abort.signal.aborted) return;
          setError(e instanceof ApiError ? e : new ApiError(0, "client", String(e)));
        });
    }, delay);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [what, buckets, range?.[0], range?.[1]]);

  return { lines, error };
}
