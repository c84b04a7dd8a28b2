// A value per window over time, on uPlot (the engine behind every line chart): lines with
// optional confidence bands and per-window dots (coloured by verdict), threshold lines,
// highlighted windows (alerts, concept drift) and a selected window. Hover explains a
// window; a click selects it.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { themeColor } from "../../charts/scales";
import { formatWindow, midpoints, num, shortWindow, type WindowAxis } from "./transforms";

export interface TimeLine {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
  width?: number;
  /** A dot per window in this colour (e.g. by verdict); null draws none. */
  dots?: (string | null)[];
  /** A shaded interval around the line (confidence interval or expected band). */
  band?: { lower: (number | null)[]; upper: (number | null)[] };
  format?: (v: number) => string;
}

export interface TimeChartProps {
  axis: WindowAxis;
  lines: TimeLine[];
  thresholds?: { value: number; label: string; color?: string }[];
  /** Windows drawn with a tinted background, labelled in the tooltip. */
  highlights?: { index: number; color: string; label: string }[];
  selected?: number | null;
  onSelect?: (index: number) => void;
  height?: number;
  yRange?: [number | null, number | null];
  log?: boolean;
  format?: (v: number) => string;
  label: string;
}

function alpha(color: string, a: number): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? color + Math.round(a * 255).toString(16).padStart(2, "0") : color;
}

export function TimeChart(props: TimeChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [tip, setTip] = useState<{ left: number; top: number; idx: number } | null>(null);
  const height = props.height ?? 220;

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const p = latest.current;
    const xs = midpoints(p.axis);
    const data: (number | null)[][] = [xs];
    const series: uPlot.Series[] = [{}];
    const bands: uPlot.Band[] = [];
    for (const line of p.lines) {
      data.push(line.values.map((v) => (v === null ? null : p.log ? Math.max(v, 1e-12) : v)));
      series.push({ label: line.label, stroke: line.color, width: line.width ?? 1.75, dash: line.dash, points: { size: 5, fill: line.color }, spanGaps: false });
      if (line.band) {
        const at = data.length;
        data.push(line.band.upper, line.band.lower);
        series.push({ label: `${line.label} upper`, stroke: "transparent", points: { show: false } });
        series.push({ label: `${line.label} lower`, stroke: "transparent", points: { show: false } });
        bands.push({ series: [at, at + 1], fill: alpha(line.color, 0.14) });
      }
    }
    const muted = themeColor("--muted", "#5d6677");
    const grid = { stroke: themeColor("--line", "#dfe3ea"), width: 1 };
    const first = p.axis.starts[0] ?? 0;
    const last = p.axis.ends[p.axis.ends.length - 1] ?? first + 1;
    const format = p.format ?? ((v: number) => num(v));
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height,
      legend: { show: false },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
      scales: {
        x: { time: true, range: () => [first / 1000, last / 1000] },
        y: {
          distr: p.log ? 3 : 1,
          log: 10,
          range: (_u, lo, hi) => {
            const q = latest.current;
            let min = lo;
            let max = hi;
            for (const t of q.thresholds ?? []) {
              if (min == null || t.value < min) min = t.value;
              if (max == null || t.value > max) max = t.value;
            }
            if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) [min, max] = [0, 1];
            let [a, b] = q.log
              ? uPlot.rangeLog(Math.max(min, 1e-12), Math.max(max, 1e-12), 10, true)
              : uPlot.rangeNum(min, max === min ? min + 1 : max, 0.12, true);
            if (q.yRange?.[0] != null) a = q.yRange[0];
            if (q.yRange?.[1] != null) b = q.yRange[1];
            return [a, b];
          },
        },
      },
      axes: [
        { stroke: muted, grid, ticks: grid, values: (_u, splits) => splits.map((s) => shortWindow(s * 1000, s % 86400 === 0 ? 86_400_000 : 0)) },
        { stroke: muted, grid, ticks: grid, size: 56, values: (_u, splits) => splits.map((s) => format(s)) },
      ],
      series,
      bands,
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: {
        drawClear: [
          (u) => {
            const q = latest.current;
            const ctx = u.ctx;
            const { top, height: h } = u.bbox;
            const span = (i: number, color: string) => {
              const x0 = u.valToPos(q.axis.starts[i] / 1000, "x", true);
              const x1 = u.valToPos(q.axis.ends[i] / 1000, "x", true);
              ctx.fillStyle = color;
              ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
            };
            for (const hl of q.highlights ?? []) span(hl.index, alpha(hl.color, 0.16));
            if (q.selected != null && q.selected >= 0) span(q.selected, alpha(themeColor("--accent", "#2f6fdf"), 0.16));
          },
        ],
        draw: [
          (u) => {
            const q = latest.current;
            const ctx = u.ctx;
            const { left, width } = u.bbox;
            const ratio = devicePixelRatio || 1;
            ctx.save();
            for (const t of q.thresholds ?? []) {
              const y = u.valToPos(t.value, "y", true);
              ctx.strokeStyle = t.color ?? "#c92a2a";
              ctx.lineWidth = 1.25 * ratio;
              ctx.setLineDash([6 * ratio, 4 * ratio]);
              ctx.beginPath();
              ctx.moveTo(left, y);
              ctx.lineTo(left + width, y);
              ctx.stroke();
              ctx.setLineDash([]);
              ctx.fillStyle = t.color ?? "#c92a2a";
              ctx.font = `${11 * ratio}px system-ui, sans-serif`;
              // Alarms are labelled on the right, reference values (grey) on the left.
              const atLeft = !!t.color && t.color !== "#c92a2a";
              ctx.textAlign = atLeft ? "left" : "right";
              ctx.fillText(t.label, atLeft ? left + 4 * ratio : left + width - 4 * ratio, y - 4 * ratio);
            }
            // Dense charts (hundreds of windows) keep only the dots that say something
            // (alerts), smaller, so the line stays readable.
            const dense = q.axis.starts.length * 9 > u.bbox.width / ratio;
            const ok = new Set(["#2b8a3e"]);
            const radius = (dense ? 2.4 : 3.6) * ratio;
            q.lines.forEach((line, li) => {
              if (!line.dots) return;
              const values = u.data[seriesIndex(q.lines, li)] as (number | null)[];
              line.dots.forEach((color, i) => {
                const v = values[i];
                if (!color || v == null || (dense && ok.has(color))) return;
                const x = u.valToPos(u.data[0][i], "x", true);
                const y = u.valToPos(v, "y", true);
                ctx.fillStyle = color;
                ctx.beginPath();
                ctx.arc(x, y, radius, 0, 2 * Math.PI);
                ctx.fill();
              });
            });
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            const { left, top, idx } = u.cursor;
            if (left == null || left < 0 || top == null || idx == null) setTip(null);
            else setTip({ left, top, idx });
          },
        ],
      },
    };
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
    plot.current = u;
    const click = () => {
      const idx = u.cursor.idx;
      if (idx != null) latest.current.onSelect?.(idx);
    };
    const leave = () => setTip(null);
    u.over.addEventListener("click", click);
    u.over.addEventListener("mouseleave", leave);
    const resize = new ResizeObserver(() => {
      const width = Math.max(240, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [props.axis, props.lines, props.thresholds, height, props.log, props.yRange?.[0], props.yRange?.[1]]);

  useEffect(() => {
    plot.current?.redraw(false);
  }, [props.selected, props.highlights]);

  const idx = tip?.idx ?? null;
  const marks = idx === null ? [] : (props.highlights ?? []).filter((h) => h.index === idx);
  return (
    <div class={`line-chart mon-chart${props.onSelect ? " clickable" : ""}`} role="img" aria-label={props.label}>
      <div ref={holder} />
      {tip && idx !== null && idx < props.axis.starts.length ? (
        <div class="chart-tip" style={{ left: `${Math.min(tip.left + 64, (holder.current?.clientWidth ?? 600) - 260)}px`, top: `${Math.max(0, tip.top - 10)}px` }}>
          <div class="chart-tip-x">{formatWindow(props.axis.starts[idx], props.axis.ends[idx])}</div>
          {props.lines.map((line) => {
            const v = line.values[idx];
            const f = line.format ?? props.format ?? ((x: number) => num(x));
            const lo = line.band?.lower[idx];
            const hi = line.band?.upper[idx];
            return (
              <div class="chart-tip-row" key={line.label}>
                <span class="run-dot" style={{ background: line.color }} />
                <span class="chart-tip-label">{line.label}</span>
                <span class="num">
                  {v === null ? "–" : f(v)}
                  {lo != null && hi != null ? <span class="muted"> [{f(lo)} – {f(hi)}]</span> : null}
                </span>
              </div>
            );
          })}
          {(props.thresholds ?? []).map((t) => (
            <div class="chart-tip-row muted" key={t.label}>
              <span class="chart-tip-label">{t.label}</span>
            </div>
          ))}
          {marks.map((m) => (
            <div class="chart-tip-row" key={m.label} style={{ color: m.color }}>
              {m.label}
            </div>
          ))}
          {props.onSelect ? <div class="chart-tip-row muted">Click to open this window</div> : null}
        </div>
      ) : null}
    </div>
  );
}

/** uPlot's index of a line's series (bands add two hidden series after their line). */
function seriesIndex(lines: TimeLine[], li: number): number {
  let at = 1;
  for (let i = 0; i < li; i++) at += lines[i].band ? 3 : 1;
  return at;
}
