// A scatter of two columns across runs, one dot per run in its colour. Hover for the run
// and its values; click to open it.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { formatValue } from "../components/format";
import type { PlotRun } from "./PlotPoint";
import { useElementWidth } from "./useElementWidth";
import { makeScale, prepareCanvas, themeColor } from "./scales";

export interface ScatterProps {
  runs: PlotRun[];
  x: { key: string; values: unknown[] };
  y: { key: string; values: unknown[] };
  height?: number;
  onOpen?: (run: PlotRun) => void;
}

const PAD = { left: 64, right: 16, top: 12, bottom: 40 };

export function Scatter(props: ScatterProps) {
  const [holder, width] = useElementWidth<HTMLDivElement>(600);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const height = props.height ?? 340;
  const sx = useMemo(() => makeScale(props.x.values), [props.x.values]);
  const sy = useMemo(() => makeScale(props.y.values), [props.y.values]);

  const points = useMemo(
    () => props.runs.map((_, i) => {
      const px = sx.at(props.x.values[i]);
      const py = sy.at(props.y.values[i]);
      if (px === null || py === null) return null;
      return [PAD.left + px * (width - PAD.left - PAD.right), PAD.top + (1 - py) * (height - PAD.top - PAD.bottom)] as const;
    }),
    [props.runs, sx, sy, width, height],
  );

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const ctx = prepareCanvas(el, width, height);
    const muted = themeColor("--muted", "#5d6677");
    const line = themeColor("--line", "#dfe3ea");
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px system-ui, sans-serif";
    ctx.strokeStyle = line;
    ctx.fillStyle = muted;
    for (const t of sx.ticks) {
      const x = PAD.left + t.pos * (width - PAD.left - PAD.right);
      ctx.beginPath();
      ctx.moveTo(x, PAD.top);
      ctx.lineTo(x, height - PAD.bottom);
      ctx.stroke();
      ctx.textAlign = "center";
      ctx.fillText(t.label, x, height - PAD.bottom + 14);
    }
    for (const t of sy.ticks) {
      const y = PAD.top + (1 - t.pos) * (height - PAD.top - PAD.bottom);
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(width - PAD.right, y);
      ctx.stroke();
      ctx.textAlign = "right";
      ctx.fillText(t.label, PAD.left - 6, y + 4);
    }
    ctx.textAlign = "center";
    ctx.fillText(props.x.key, (PAD.left + width - PAD.right) / 2, height - 6);
    const radius = props.runs.length > 2000 ? 2 : 3.5;
    ctx.globalAlpha = props.runs.length > 2000 ? 0.5 : 0.85;
    points.forEach((p, i) => {
      if (!p) return;
      ctx.fillStyle = props.runs[i].color;
      ctx.beginPath();
      ctx.arc(p[0], p[1], i === hover ? radius * 2 : radius, 0, Math.PI * 2);
      ctx.fill();
    });
    ctx.globalAlpha = 1;
  }, [points, hover, width, height]);

  const onMove = (e: MouseEvent) => {
    const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const mx = e.clientX - rect.left;
    const my = e.clientY - rect.top;
    let best: number | null = null;
    let bestDist = 64;
    points.forEach((p, i) => {
      if (!p) return;
      const d = (p[0] - mx) ** 2 + (p[1] - my) ** 2;
      if (d < bestDist) {
        bestDist = d;
        best = i;
      }
    });
    setHover(best);
  };

  const point = hover !== null ? points[hover] : null;
  const run = hover !== null ? props.runs[hover] : null;
  return (
    <div class="canvas-plot" ref={holder}>
      <div class="axis-label-y muted">{props.y.key}</div>
      <canvas
        ref={canvas}
        role="img"
        aria-label={`Scatter of ${props.y.key} against ${props.x.key} for ${props.runs.length} runs`}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
        onClick={() => run && props.onOpen?.(run)}
        style={{ cursor: run ? "pointer" : "default" }}
      />
      {run && point && hover !== null ? (
        <div class="chart-tip" style={{ left: `${point[0] + 12}px`, top: `${point[1] + 12}px` }}>
          <div class="chart-tip-row">
            <span class="run-dot" style={{ background: run.color }} />
            <strong>{run.name}</strong>
          </div>
          <div class="chart-tip-row"><span class="chart-tip-label">{props.x.key}</span><span class="num">{formatValue(props.x.values[hover])}</span></div>
          <div class="chart-tip-row"><span class="chart-tip-label">{props.y.key}</span><span class="num">{formatValue(props.y.values[hover])}</span></div>
        </div>
      ) : null}
    </div>
  );
}
