// One series a rule judges, on uPlot (the engine behind every line chart): the value, the
// band it must stay in (dashed edges, shaded between), red dots where a point breached,
// a red tint where the rule was firing, and marks where it fired and resolved. Points are
// windows (a time axis, UTC) or a run's steps.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { themeColor } from "../../charts/scales";
import { num } from "../monitoring/transforms";
import { verdictTerm } from "../monitoring/glossary";
import { shortDate, type ChartSeries } from "./preview";

const RED = "#c92a2a";
const GREEN = "#2b8a3e";

export interface ChartMark {
  index: number;
  label: string;
  color?: string;
}

export function PreviewChart(props: { series: ChartSeries; label: string; height?: number; marks?: ChartMark[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const latest = useRef(props);
  latest.current = props;
  const [tip, setTip] = useState<{ left: number; top: number; idx: number } | null>(null);
  const height = props.height ?? 220;

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const s = latest.current.series;
    const accent = themeColor("--accent", "#2f6fdf");
    const muted = themeColor("--muted", "#5d6677");
    const grid = { stroke: themeColor("--line", "#dfe3ea"), width: 1 };
    const data: (number | null)[][] = [s.x, s.values];
    const series: uPlot.Series[] = [{}, { label: "value", stroke: accent, width: 2, points: { size: 5, fill: accent }, spanGaps: true }];
    const bands: uPlot.Band[] = [];
    if (s.upper) {
      data.push(s.upper);
      series.push({ label: "upper", stroke: RED, width: 1.25, dash: [6, 4], points: { show: false } });
    }
    if (s.lower) {
      data.push(s.lower);
      series.push({ label: "lower", stroke: RED, width: 1.25, dash: [6, 4], points: { show: false } });
    }
    if (s.upper && s.lower) bands.push({ series: [2, 3], fill: "rgba(43, 138, 62, 0.08)" });
    const step = s.x.length > 1 ? (s.x[s.x.length - 1] - s.x[0]) / (s.x.length - 1) : 1;
    const opts: uPlot.Options = {
      width: Math.max(260, el.clientWidth),
      height,
      legend: { show: false },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
      scales: {
        x: { time: s.time, range: () => [s.x[0] - step / 2, s.x[s.x.length - 1] + step / 2] },
        y: { range: (_u, lo, hi) => (lo == null || hi == null || !Number.isFinite(lo) ? [0, 1] : uPlot.rangeNum(lo, hi === lo ? lo + 1 : hi, 0.12, true)) },
      },
      axes: [
        { stroke: muted, grid, ticks: grid, values: (_u, splits) => splits.map((v) => (s.time ? shortDate(new Date(v * 1000).toISOString()) : num(v))) },
        { stroke: muted, grid, ticks: grid, size: 56, values: (_u, splits) => splits.map((v) => num(v)) },
      ],
      series,
      bands,
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: {
        drawClear: [
          (u) => {
            const q = latest.current.series;
            const { top, height: h } = u.bbox;
            u.ctx.fillStyle = "rgba(201, 42, 42, 0.12)";
            for (const [a, b] of q.spans) {
              const x0 = u.valToPos(q.x[a] - step / 2, "x", true);
              const x1 = u.valToPos(q.x[b] + step / 2, "x", true);
              u.ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
            }
          },
        ],
        draw: [
          (u) => {
            const p = latest.current;
            const q = p.series;
            const ctx = u.ctx;
            const ratio = devicePixelRatio || 1;
            const { top, height: h } = u.bbox;
            ctx.save();
            q.breach.forEach((on, i) => {
              const v = q.values[i];
              if (!on || v == null) return;
              ctx.fillStyle = RED;
              ctx.beginPath();
              ctx.arc(u.valToPos(q.x[i], "x", true), u.valToPos(v, "y", true), 4.5 * ratio, 0, 2 * Math.PI);
              ctx.fill();
            });
            ctx.font = `${11 * ratio}px system-ui, sans-serif`;
            ctx.textAlign = "left";
            const marks: ChartMark[] = [
              ...q.transitions
                .filter((t) => !(p.marks ?? []).some((m) => m.index === t.index))
                .map((t) => ({ index: t.index, label: t.state === "firing" ? "fires" : "resolves", color: t.state === "firing" ? RED : GREEN })),
              ...(p.marks ?? []),
            ];
            marks.forEach((m, n) => {
              if (m.index < 0 || m.index >= q.x.length) return;
              const x = u.valToPos(q.x[m.index] - step / 2, "x", true);
              ctx.strokeStyle = m.color ?? muted;
              ctx.fillStyle = m.color ?? muted;
              ctx.lineWidth = 1.5 * ratio;
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + h);
              ctx.stroke();
              ctx.fillText(m.label, x + 3 * ratio, top + (12 + 13 * (n % 2)) * ratio);
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
    const leave = () => setTip(null);
    u.over.addEventListener("mouseleave", leave);
    const resize = new ResizeObserver(() => {
      const width = Math.max(260, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
    };
  }, [props.series, props.marks, height]);

  const s = props.series;
  const i = tip?.idx ?? null;
  return (
    <div class="line-chart al-chart" role="img" aria-label={props.label}>
      <div ref={holder} />
      {tip && i !== null && i < s.x.length ? (
        <div class="chart-tip" style={{ left: `${Math.min(tip.left + 64, (holder.current?.clientWidth ?? 600) - 240)}px`, top: `${Math.max(0, tip.top - 10)}px` }}>
          <div class="chart-tip-x">{s.labels[i]}</div>
          <div class="chart-tip-row">
            <span class="chart-tip-label">value</span>
            <span class="num">{s.values[i] === null ? "–" : num(s.values[i])}</span>
          </div>
          {s.lower?.[i] != null || s.upper?.[i] != null ? (
            <div class="chart-tip-row">
              <span class="chart-tip-label">allowed</span>
              <span class="num">
                {s.lower?.[i] != null ? num(s.lower[i]) : "−∞"} – {s.upper?.[i] != null ? num(s.upper[i]) : "∞"}
              </span>
            </div>
          ) : null}
          {s.verdicts?.[i] ? (
            <div class="chart-tip-row">
              <span class="chart-tip-label">verdict</span>
              <span>{verdictTerm(s.verdicts[i] as string).name}</span>
            </div>
          ) : null}
          <div class="chart-tip-row" style={{ color: s.breach[i] ? RED : undefined }}>
            {s.breach[i] ? "breaches the condition" : "within the condition"}
            {s.firing[i] ? " · firing" : ""}
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** The chart's key, under it. */
export function PreviewLegend(props: { band: boolean; firing?: string }) {
  return (
    <div class="mon-legend al-legend">
      <span>
        <span class="mon-line" style={{ background: "var(--accent)" }} /> value
      </span>
      {props.band ? (
        <span>
          <span class="mon-line dashed" style={{ borderColor: RED }} /> threshold or band
        </span>
      ) : null}
      <span>
        <span class="al-dot" /> breaching point
      </span>
      <span>
        <span class="mon-swatch" style={{ background: "rgba(201, 42, 42, 0.18)" }} /> {props.firing ?? "would be firing"}
      </span>
    </div>
  );
}
