// Parallel coordinates: one vertical axis per column (config keys, then the target
// metric last), one line per run, coloured by the target. Hover a line to see the run;
// click it to open the run. Canvas, so 10,000 runs draw in a frame.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { formatValue } from "../components/format";
import type { PlotRun } from "./PlotPoint";
import { useElementWidth } from "./useElementWidth";
import { gradient, makeScale, prepareCanvas, themeColor } from "./scales";

export interface ParallelProps {
  runs: PlotRun[];
  columns: { key: string; values: unknown[] }[];
  height?: number;
  onOpen?: (run: PlotRun) => void;
}

const PAD = { left: 40, right: 60, top: 28, bottom: 24 };

export function ParallelCoordinates(props: ParallelProps) {
  const [holder, width] = useElementWidth<HTMLDivElement>(800);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);
  const height = props.height ?? 340;
  const scales = useMemo(() => props.columns.map((c) => makeScale(c.values)), [props.columns]);
  const target = props.columns[props.columns.length - 1];
  const targetScale = scales[scales.length - 1];

  const axisX = (i: number) => PAD.left + (i * (width - PAD.left - PAD.right)) / Math.max(1, props.columns.length - 1);
  const axisY = (pos: number) => PAD.top + (1 - pos) * (height - PAD.top - PAD.bottom);

  // Per run, its y on every axis (null where it has no value).
  const ys = useMemo(
    () => props.runs.map((_, r) => scales.map((s, a) => {
      const pos = s.at(props.columns[a].values[r]);
      return pos === null ? null : axisY(pos);
    })),
    [props.runs, scales, width, height],
  );

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const ctx = prepareCanvas(el, width, height);
    const fg = themeColor("--fg", "#1d2330");
    const muted = themeColor("--muted", "#5d6677");
    ctx.clearRect(0, 0, width, height);
    const alpha = Math.min(0.9, Math.max(0.06, 40 / Math.max(1, props.runs.length)));
    const drawLine = (r: number, color: string, lineWidth: number, a: number) => {
      ctx.globalAlpha = a;
      ctx.strokeStyle = color;
      ctx.lineWidth = lineWidth;
      ctx.beginPath();
      let drawing = false;
      ys[r].forEach((y, a2) => {
        if (y === null) {
          drawing = false;
          return;
        }
        if (drawing) ctx.lineTo(axisX(a2), y);
        else ctx.moveTo(axisX(a2), y);
        drawing = true;
      });
      ctx.stroke();
    };
    props.runs.forEach((_, r) => {
      const t = targetScale?.at(target.values[r]);
      drawLine(r, t === null || t === undefined ? muted : gradient(t), 1, alpha);
    });
    if (hover) drawLine(hover.index, fg, 2.5, 1);
    ctx.globalAlpha = 1;
    ctx.font = "11px system-ui, sans-serif";
    props.columns.forEach((c, a) => {
      const x = axisX(a);
      ctx.strokeStyle = muted;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, axisY(0));
      ctx.lineTo(x, axisY(1));
      ctx.stroke();
      ctx.fillStyle = fg;
      ctx.textAlign = a === 0 ? "left" : a === props.columns.length - 1 ? "right" : "center";
      ctx.fillText(c.key.replace(/^(config|summary)\./, ""), x, PAD.top - 12);
      ctx.fillStyle = muted;
      ctx.textAlign = "left";
      for (const tick of scales[a].ticks) ctx.fillText(tick.label, x + 4, axisY(tick.pos) + 4);
    });
  }, [ys, hover, width, height]);

  const onMove = (e: MouseEvent) => {
    const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const mx = e.clientX - rect.left;
    const my = e.clientY - rect.top;
    const n = props.columns.length;
    if (n < 2) return;
    const step = (width - PAD.left - PAD.right) / (n - 1);
    const a = Math.min(n - 2, Math.max(0, Math.floor((mx - PAD.left) / step)));
    const f = (mx - axisX(a)) / step;
    let best = -1;
    let bestDist = 8;
    ys.forEach((row, r) => {
      const y0 = row[a];
      const y1 = row[a + 1];
      if (y0 === null || y1 === null) return;
      const d = Math.abs(y0 + (y1 - y0) * f - my);
      if (d < bestDist) {
        bestDist = d;
        best = r;
      }
    });
    setHover(best >= 0 ? { index: best, x: mx, y: my } : null);
  };

  const run = hover ? props.runs[hover.index] : null;
  return (
    <div class="canvas-plot" ref={holder}>
      <canvas
        ref={canvas}
        role="img"
        aria-label={`Parallel coordinates of ${props.runs.length} runs over ${props.columns.map((c) => c.key).join(", ")}`}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
        onClick={() => run && props.onOpen?.(run)}
        style={{ cursor: run ? "pointer" : "default" }}
      />
      {run && hover ? (
        <div class="chart-tip" style={{ left: `${hover.x + 12}px`, top: `${hover.y + 12}px` }}>
          <div class="chart-tip-row">
            <span class="run-dot" style={{ background: run.color }} />
            <strong>{run.name}</strong>
          </div>
          {props.columns.map((c) => (
            <div class="chart-tip-row" key={c.key}>
              <span class="chart-tip-label">{c.key}</span>
              <span class="num">{formatValue(c.values[hover.index])}</span>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
