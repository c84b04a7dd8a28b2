// The optimisation history on uPlot (the engine behind every line chart): each finished
// trial's value as a dot by trial number, and the best value so far as a step line.
// Hover a dot for its trial; click it to open the trial's run.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { themeColor } from "../../charts/scales";
import { formatValue } from "../../components/format";
import type { Goal, History } from "./transforms";

export const TRIAL_COLOR = "#2f6fdf";
export const BEST_COLOR = "#e8590c";

export function HistoryChart(props: { history: History; metric: string; goal: Goal; height?: number; onOpen?: (trialNumber: number) => void }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [tip, setTip] = useState<{ left: number; top: number; idx: number } | null>(null);
  const height = props.height ?? 260;

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const muted = themeColor("--muted", "#5d6677");
    const grid = { stroke: themeColor("--line", "#dfe3ea"), width: 1 };
    const many = latest.current.history.numbers.length > 2000;
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height,
      legend: { show: false },
      scales: { x: { time: false }, y: { range: (_u, lo, hi) => uPlot.rangeNum(lo ?? 0, hi === lo ? (hi ?? 0) + 1 : (hi ?? 1), 0.1, true) } },
      axes: [
        { stroke: muted, grid, ticks: grid, values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? String(s) : "")), label: "trial", labelSize: 18 },
        { stroke: muted, grid, ticks: grid, size: 56, values: (_u, splits) => splits.map((s) => formatValue(s)) },
      ],
      series: [
        {},
        { label: latest.current.metric, stroke: TRIAL_COLOR, paths: () => null, points: { show: true, size: many ? 3 : 6, width: 0, fill: many ? `${TRIAL_COLOR}88` : TRIAL_COLOR, stroke: TRIAL_COLOR } },
        { label: "best so far", stroke: BEST_COLOR, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false } },
      ],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            if (idx == null || u.cursor.left == null || u.cursor.left < 0) {
              setTip(null);
              return;
            }
            const y = u.data[1][idx];
            setTip({ left: u.valToPos(u.data[0][idx], "x"), top: y == null ? 0 : u.valToPos(y, "y"), idx });
          },
        ],
      },
    };
    const h = latest.current.history;
    const u = new uPlot(opts, [h.numbers, h.values, h.best], el);
    plot.current = u;
    const click = () => {
      const idx = u.cursor.idx;
      if (idx != null) latest.current.onOpen?.(latest.current.history.numbers[idx]);
    };
    u.over.addEventListener("click", click);
    const resize = new ResizeObserver(() => {
      const width = Math.max(240, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.over.removeEventListener("click", click);
      u.destroy();
      plot.current = null;
    };
  }, [height, props.history.numbers.length > 2000]);

  useEffect(() => {
    const h = props.history;
    plot.current?.setData([h.numbers, h.values, h.best]);
  }, [props.history]);

  const h = props.history;
  const i = tip?.idx ?? null;
  return (
    <div class="sw-chart line-chart" role="img" aria-label={`Optimisation history of ${props.metric} over ${h.numbers.length} finished trials (${props.goal === "minimize" ? "lower" : "higher"} is better)`}>
      <div ref={holder} style={{ cursor: props.onOpen ? "pointer" : "default" }} />
      {tip && i !== null && i < h.numbers.length ? (
        <div class="chart-tip" style={{ left: `${tip.left + 70}px`, top: `${tip.top + 12}px` }}>
          <div class="chart-tip-x">trial {h.numbers[i]}</div>
          <div class="chart-tip-row">
            <span class="run-dot" style={{ background: TRIAL_COLOR }} />
            <span class="chart-tip-label">{props.metric}</span>
            <span class="num">{formatValue(h.values[i])}</span>
          </div>
          <div class="chart-tip-row">
            <span class="run-dot" style={{ background: BEST_COLOR }} />
            <span class="chart-tip-label">best so far</span>
            <span class="num">{formatValue(h.best[i])}</span>
          </div>
        </div>
      ) : null}
    </div>
  );
}
