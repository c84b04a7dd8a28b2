// The one chart engine (uPlot) behind every line chart: drag to zoom, Shift-drag to pan,
// Ctrl/⌘-wheel to zoom around the pointer, double-click to reset. The x range is owned
// by the caller, so panels can share it (synced zoom) and refetch finer data for it.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatDuration, formatValue } from "../components/format";

export interface LineSpec {
  label: string;
  color: string;
  width?: number;
  /** Drawn thin and translucent: the raw line behind a smoothed one. */
  faint?: boolean;
  /** Not drawn; only used as a band edge. */
  hidden?: boolean;
}

export interface HoverRow {
  label: string;
  color: string;
  text: string;
}

export type XKind = "step" | "wall" | "relative" | "metric";

export interface LineChartProps {
  data: uPlot.AlignedData;
  lines: LineSpec[];
  /** Pairs of series indexes (1-based, as in ``data``): the area between them is filled. */
  bands?: { upper: number; lower: number; color: string }[];
  xKind: XKind;
  xLabel: string;
  log: boolean;
  /** Fixed y bounds; null ends follow the data. */
  yRange: [number | null, number | null];
  /** A y range computed by the caller (outliers ignored), used where yRange is open. */
  autoY: [number, number] | null;
  xRange: [number, number] | null;
  onXRange: (range: [number, number] | null) => void;
  syncKey: string;
  height: number;
  /** Rows for the pointer at x; ``perPixel`` is how much x one CSS pixel spans. */
  hover: (x: number, perPixel: number) => HoverRow[];
  label: string;
}

function xValues(kind: XKind): uPlot.Axis.Values | undefined {
  if (kind === "relative") return (_u, splits) => splits.map((s) => formatDuration(s));
  if (kind === "wall") return undefined;
  return (_u, splits) => splits.map((s) => formatValue(s));
}

/** A theme colour for the canvas, which cannot read CSS variables itself. */
function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function alpha(color: string, a: number): string {
  // Palette colours are #rrggbb.
  return color.length === 7 ? color + Math.round(a * 255).toString(16).padStart(2, "0") : color;
}

export function LineChart(props: LineChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [tip, setTip] = useState<{ left: number; top: number; x: number; perPixel: number } | null>(null);
  const hovered = useRef(false);

  // The plot is rebuilt only when its series or axes change shape; data and ranges are
  // pushed into the existing plot, which keeps zooming and live updates cheap.
  const shape = JSON.stringify([props.lines, props.bands, props.xKind, props.log, props.height, props.syncKey]);

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const p = latest.current;
    const scaleRange = (_self: uPlot, dataMin: number, dataMax: number): uPlot.Range.MinMax => {
      const q = latest.current;
      let lo: number | null;
      let hi: number | null;
      if (q.autoY) [lo, hi] = q.autoY;
      else if (q.log) [lo, hi] = uPlot.rangeLog(Math.max(dataMin, 1e-12), Math.max(dataMax, 1e-12), 10, true);
      else [lo, hi] = uPlot.rangeNum(dataMin, dataMax, 0.1, true);
      if (q.yRange[0] !== null) lo = q.yRange[0];
      if (q.yRange[1] !== null) hi = q.yRange[1];
      return [lo, hi];
    };
    let panFrom: { px: number; range: [number, number] } | null = null;
    const muted = cssVar("--muted", "#5d6677");
    const grid = { stroke: cssVar("--line", "#dfe3ea"), width: 1 };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: p.height,
      legend: { show: false },
      scales: {
        x: { time: p.xKind === "wall" },
        y: { distr: p.log ? 3 : 1, range: scaleRange },
      },
      axes: [
        { values: xValues(p.xKind), stroke: muted, grid, ticks: grid },
        { values: (_u, splits) => splits.map((s) => formatValue(s)), stroke: muted, grid, ticks: grid, size: 56 },
      ],
      series: [
        { label: p.xLabel },
        ...p.lines.map(
          (line): uPlot.Series => ({
            label: line.label,
            stroke: line.hidden ? "transparent" : line.faint ? alpha(line.color, 0.25) : line.color,
            width: line.width ?? (line.faint ? 1 : 1.5),
            points: { show: false },
            spanGaps: false,
          }),
        ),
      ],
      bands: (p.bands ?? []).map((b) => ({ series: [b.upper, b.lower], fill: alpha(b.color, 0.18) })),
      cursor: {
        sync: { key: p.syncKey, setSeries: false },
        drag: { x: true, y: false, setScale: false },
        points: { show: false },
        bind: {
          mousedown: (u, _targ, handler) => (e: MouseEvent) => {
            if (e.shiftKey && u.scales.x.min != null && u.scales.x.max != null) {
              panFrom = { px: e.clientX, range: [u.scales.x.min, u.scales.x.max] };
              const move = (ev: MouseEvent) => {
                if (!panFrom) return;
                const per = (panFrom.range[1] - panFrom.range[0]) / u.bbox.width * devicePixelRatio;
                const dx = (ev.clientX - panFrom.px) * per;
                latest.current.onXRange([panFrom.range[0] - dx, panFrom.range[1] - dx]);
              };
              const up = () => {
                panFrom = null;
                window.removeEventListener("mousemove", move);
                window.removeEventListener("mouseup", up);
              };
              window.addEventListener("mousemove", move);
              window.addEventListener("mouseup", up);
              return null;
            }
            return handler(e);
          },
          dblclick: () => () => {
            latest.current.onXRange(null);
            return null;
          },
        },
      },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 2) {
              const lo = u.posToVal(u.select.left, "x");
              const hi = u.posToVal(u.select.left + u.select.width, "x");
              latest.current.onXRange([lo, hi]);
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [
          (u) => {
            const { left, top } = u.cursor;
            if (!hovered.current || left == null || left < 0 || top == null) {
              setTip(null);
              return;
            }
            const x = u.posToVal(left, "x");
            setTip({ left, top, x, perPixel: Math.abs(u.posToVal(left + 1, "x") - x) });
          },
        ],
      },
    };
    const u = new uPlot(opts, p.data, el);
    plot.current = u;
    if (p.xRange) u.setScale("x", { min: p.xRange[0], max: p.xRange[1] });

    const wheel = (e: WheelEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      const { min, max } = u.scales.x;
      if (min == null || max == null) return;
      const rect = u.over.getBoundingClientRect();
      const at = u.posToVal(e.clientX - rect.left, "x");
      const factor = e.deltaY < 0 ? 0.75 : 1 / 0.75;
      latest.current.onXRange([at - (at - min) * factor, at + (max - at) * factor]);
    };
    u.over.addEventListener("wheel", wheel, { passive: false });
    const enter = () => (hovered.current = true);
    const leave = () => {
      hovered.current = false;
      setTip(null);
    };
    u.over.addEventListener("mouseenter", enter);
    u.over.addEventListener("mouseleave", leave);
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height: latest.current.height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(props.data, !props.xRange);
    if (props.xRange) u.setScale("x", { min: props.xRange[0], max: props.xRange[1] });
  }, [props.data, props.xRange?.[0], props.xRange?.[1], props.autoY?.[0], props.autoY?.[1], props.yRange[0], props.yRange[1]]);

  const rows = tip ? props.hover(tip.x, tip.perPixel) : [];
  return (
    <div class="line-chart" role="img" aria-label={props.label}>
      <div ref={holder} />
      {tip && rows.length ? (
        <div
          class="chart-tip"
          style={{ left: `${tip.left + 64}px`, top: `${Math.max(0, tip.top - 10)}px` }}
          data-testid="chart-tip"
        >
          <div class="chart-tip-x">
            {props.xLabel} {props.xKind === "wall" ? new Date(tip.x * 1000).toLocaleString() : props.xKind === "relative" ? formatDuration(tip.x) : formatValue(tip.x)}
          </div>
          {rows.map((row, i) => (
            <div class="chart-tip-row" key={i}>
              <span class="run-dot" style={{ background: row.color }} />
              <span class="chart-tip-label">{row.label}</span>
              <span class="num">{row.text}</span>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
