// Turns a panel's loaded envelopes into uPlot's aligned columns, series styles and bands.
import uPlot from "uplot";
import { formatValue } from "../components/format";
import { bucketAt, drawPoints, type Env } from "./envelope";
import type { HoverRow, LineSpec } from "./LineChart";
import type { PanelSpec } from "./panels";
import { groupBand, lastPoints, robustRange, smooth } from "./transforms";
import type { PanelLine } from "./usePanelData";

export interface ChartData {
  data: uPlot.AlignedData;
  lines: LineSpec[];
  bands: { upper: number; lower: number; color: string }[];
  autoY: [number, number] | null;
  hover: (x: number, perPixel: number) => HoverRow[];
}

type Table = [number[], ...(number | null)[][]];

function lineLabel(line: PanelLine, keys: number): string {
  return keys > 1 ? `${line.run.name} · ${line.key}` : line.run.name;
}

/**
 * Exact values of an envelope under the pointer, over [x - reach, x + reach] (the pixel
 * columns there): the point itself when there is one, else the last value with the
 * min … max and count of every point drawn there.
 */
export function describeAt(env: Env, x: number, reach: number): string | null {
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  let last = NaN;
  let lastX = -Infinity;
  const from = bucketAt(env, x - reach, 0);
  const start = from >= 0 ? from : Math.max(0, bucketAt(env, x, 2));
  for (let b = start; b < env.count.length && env.edges[b] <= x + reach; b++) {
    if (!env.count[b] || env.lastX[b] < x - reach) continue;
    count += env.count[b];
    if (env.min[b] < min) min = env.min[b];
    if (env.max[b] > max) max = env.max[b];
    if (env.lastX[b] >= lastX) {
      lastX = env.lastX[b];
      last = env.last[b];
    }
  }
  if (!count) {
    const b = bucketAt(env, x);
    if (b < 0) return null;
    return describeAt(env, env.lastX[b], 0);
  }
  if (count === 1) return formatValue(last);
  return `${formatValue(last)}  (${formatValue(min)} … ${formatValue(max)}, ${count} pts)`;
}

export function buildChart(spec: PanelSpec, loaded: PanelLine[], width: number, range: [number, number] | null): ChartData {
  const tables: Table[] = [];
  const lines: LineSpec[] = [];
  const bands: ChartData["bands"] = [];
  const visible: (number | null)[] = [];
  const positive = (ys: (number | null)[]) => (spec.log ? ys.map((y) => (y !== null && y > 0 ? y : null)) : ys);
  const keep = (ys: (number | null)[]) => {
    for (const y of ys) visible.push(y);
    return ys;
  };

  if (spec.band !== "none") {
    // One mean line and one band per group (runs without a group each form their own).
    const groups = new Map<string, PanelLine[]>();
    for (const line of loaded) {
      const name = `${line.run.group ?? line.run.name}${spec.keys.length > 1 ? ` · ${line.key}` : ""}`;
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name)!.push(line);
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const line of loaded)
      for (let i = 0; i < line.env.count.length; i++)
        if (line.env.count[i]) {
          lo = Math.min(lo, line.env.firstX[i]);
          hi = Math.max(hi, line.env.lastX[i]);
        }
    if (range) [lo, hi] = range;
    const slices = Math.max(16, Math.min(400, Math.round(width / 3)));
    for (const [name, members] of groups) {
      if (!(lo <= hi)) break;
      const band = groupBand(members.map((m) => m.env), lo, hi, slices, spec.band);
      const color = members[0].run.color;
      const index = lines.length + 1;
      tables.push([band.xs, keep(positive(smooth(band.mean, spec.smoothing)))]);
      tables.push([band.xs, positive(band.upper)]);
      tables.push([band.xs, positive(band.lower)]);
      keep(band.upper);
      keep(band.lower);
      lines.push({ label: `${name} (mean of ${members.length})`, color, width: 2 });
      lines.push({ label: `${name} upper`, color, hidden: true });
      lines.push({ label: `${name} lower`, color, hidden: true });
      bands.push({ upper: index + 1, lower: index + 2, color });
    }
  } else {
    for (const line of loaded) {
      const label = lineLabel(line, spec.keys.length);
      const [xs, ys] = drawPoints(line.env);
      if (spec.smoothing.kind === "none") {
        tables.push([xs, keep(positive(ys))]);
        lines.push({ label, color: line.run.color });
      } else {
        // The raw envelope stays behind, faint, so smoothing never hides a spike.
        tables.push([xs, positive(ys)]);
        lines.push({ label: `${label} (raw)`, color: line.run.color, faint: true });
        const [sx, sy] = lastPoints(line.env);
        tables.push([sx, keep(positive(smooth(sy, spec.smoothing)))]);
        lines.push({ label, color: line.run.color });
      }
    }
  }

  const data: uPlot.AlignedData = tables.length ? uPlot.join(tables as uPlot.AlignedData[]) : [[]];
  const autoY = spec.ignoreOutliers ? robustRange(visible) : null;
  const hover = (x: number, perPixel: number): HoverRow[] => {
    const rows: HoverRow[] = [];
    for (const line of loaded) {
      const text = describeAt(line.env, x, perPixel * 1.5);
      if (text !== null) rows.push({ label: lineLabel(line, spec.keys.length), color: line.run.color, text });
    }
    return rows;
  };
  return { data, lines, bands, autoY, hover };
}
