// A metric over two parameters: the server's interpolated grid as a heat map (one pixel
// per grid point, scaled up smoothly on a canvas) with the trials as dots on top. Hover
// for the nearest trial or the estimated value; click a trial to open its run.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { SweepContour } from "../../api/client";
import { gradient, prepareCanvas, themeColor } from "../../charts/scales";
import { useElementWidth } from "../../charts/useElementWidth";
import { formatValue } from "../../components/format";
import { axisPosition, axisTicks, gridRange } from "./transforms";

export interface ContourPoint {
  trial: number;
  x: number;
  y: number;
  value: number;
  best?: boolean;
}

const PAD = { left: 64, right: 16, top: 10, bottom: 40 };

/** "rgb(r,g,b)" of the shared gradient as numbers, for writing pixels. */
function rgb(t: number): [number, number, number] {
  const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(gradient(t));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
}

export function ContourPlot(props: { grid: SweepContour; points: ContourPoint[]; height?: number; onOpen?: (point: ContourPoint) => void }) {
  const [holder, width] = useElementWidth<HTMLDivElement>(520, 260);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ mx: number; my: number; point: number | null } | null>(null);
  const height = props.height ?? 320;
  const g = props.grid;
  const range = useMemo(() => gridRange(g.z), [g]);
  const xr: [number, number] = [g.x[0], g.x[g.x.length - 1]];
  const yr: [number, number] = [g.y[0], g.y[g.y.length - 1]];
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const px = (v: number) => PAD.left + axisPosition(v, xr[0], xr[1], g.x_log) * plotW;
  const py = (v: number) => PAD.top + (1 - axisPosition(v, yr[0], yr[1], g.y_log)) * plotH;
  const placed = useMemo(() => props.points.map((p) => [px(p.x), py(p.y)] as const), [props.points, g, width, height]);

  // The grid as an image of nx × ny pixels (row 0 at the top = the highest y).
  const image = useMemo(() => {
    const nx = g.x.length;
    const ny = g.y.length;
    if (!nx || !ny || !range) return null;
    const off = document.createElement("canvas");
    off.width = nx;
    off.height = ny;
    const ctx = off.getContext("2d");
    if (!ctx) return null;
    const data = ctx.createImageData(nx, ny);
    const span = range[1] - range[0] || 1;
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const v = g.z[j]?.[i];
        const at = ((ny - 1 - j) * nx + i) * 4;
        if (v === null || v === undefined) continue; // outside the trials' hull: transparent
        const [r, gg, b] = rgb((v - range[0]) / span);
        data.data.set([r, gg, b, 235], at);
      }
    ctx.putImageData(data, 0, 0);
    return off;
  }, [g, range]);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const ctx = prepareCanvas(el, width, height);
    const muted = themeColor("--muted", "#5d6677");
    const line = themeColor("--line", "#dfe3ea");
    const fg = themeColor("--fg", "#1d2330");
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = line;
    ctx.strokeRect(PAD.left, PAD.top, plotW, plotH);
    if (image) {
      // Pixel centres sit on the grid points: the image reaches half a cell past each edge.
      const cw = plotW / Math.max(1, g.x.length - 1);
      const ch = plotH / Math.max(1, g.y.length - 1);
      ctx.save();
      ctx.beginPath();
      ctx.rect(PAD.left, PAD.top, plotW, plotH);
      ctx.clip();
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(image, PAD.left - cw / 2, PAD.top - ch / 2, plotW + cw, plotH + ch);
      ctx.restore();
    }
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = muted;
    for (const t of axisTicks(xr[0], xr[1], g.x_log)) {
      ctx.textAlign = "center";
      ctx.fillText(formatValue(+t.toPrecision(3)), px(t), height - PAD.bottom + 14);
    }
    for (const t of axisTicks(yr[0], yr[1], g.y_log)) {
      ctx.textAlign = "right";
      ctx.fillText(formatValue(+t.toPrecision(3)), PAD.left - 6, py(t) + 4);
    }
    ctx.textAlign = "center";
    ctx.fillText(`${g.x_param}${g.x_log ? " (log scale)" : ""}`, PAD.left + plotW / 2, height - 6);
    // Dots shrink and fade as trials multiply, so the heat map stays readable.
    const many = props.points.length > 500;
    const radius = many ? 1.5 : 3;
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left - 4, PAD.top - 4, plotW + 8, plotH + 8);
    ctx.clip();
    ctx.fillStyle = fg;
    ctx.globalAlpha = many ? 0.3 : 0.75;
    placed.forEach((p, i) => {
      if (props.points[i].best) return;
      ctx.beginPath();
      ctx.arc(p[0], p[1], i === hover?.point ? radius * 2 : radius, 0, Math.PI * 2);
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    placed.forEach((p, i) => {
      if (!props.points[i].best) return; // the best trial: a ring on top of everything
      ctx.beginPath();
      ctx.arc(p[0], p[1], 6, 0, Math.PI * 2);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = fg;
      ctx.stroke();
    });
    ctx.restore();
  }, [image, placed, hover?.point, width, height]);

  const onMove = (e: MouseEvent) => {
    const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const mx = e.clientX - rect.left;
    const my = e.clientY - rect.top;
    if (mx < PAD.left || mx > PAD.left + plotW || my < PAD.top || my > PAD.top + plotH) {
      setHover(null);
      return;
    }
    let best: number | null = null;
    let bestDist = 64;
    placed.forEach((p, i) => {
      const d = (p[0] - mx) ** 2 + (p[1] - my) ** 2;
      if (d < bestDist) {
        bestDist = d;
        best = i;
      }
    });
    setHover({ mx, my, point: best });
  };

  // The grid value under the pointer, from the nearest grid point.
  const cell = (() => {
    if (!hover) return null;
    const i = Math.round(((hover.mx - PAD.left) / plotW) * (g.x.length - 1));
    const j = Math.round((1 - (hover.my - PAD.top) / plotH) * (g.y.length - 1));
    const v = g.z[j]?.[i];
    return v === null || v === undefined ? null : { x: g.x[i], y: g.y[j], v };
  })();
  const point = hover?.point !== null && hover?.point !== undefined ? props.points[hover.point] : null;

  return (
    <div class="canvas-plot sw-contour" ref={holder}>
      <div class="axis-label-y muted">
        {g.y_param}
        {g.y_log ? " (log scale)" : ""}
      </div>
      <canvas
        ref={canvas}
        role="img"
        aria-label={`Contour of ${g.metric} over ${g.x_param} and ${g.y_param}, with ${props.points.length} trials`}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
        onClick={() => point && props.onOpen?.(point)}
        style={{ cursor: point && props.onOpen ? "pointer" : "crosshair" }}
      />
      {hover && (point || cell) ? (
        <div class="chart-tip" style={{ left: `${Math.min(hover.mx + 12, width - 180)}px`, top: `${hover.my + 30}px` }}>
          {point ? (
            <>
              <div class="chart-tip-x">trial {point.trial}</div>
              <div class="chart-tip-row"><span class="chart-tip-label">{g.x_param}</span><span class="num">{formatValue(point.x)}</span></div>
              <div class="chart-tip-row"><span class="chart-tip-label">{g.y_param}</span><span class="num">{formatValue(point.y)}</span></div>
              <div class="chart-tip-row"><span class="chart-tip-label">{g.metric}</span><span class="num">{formatValue(point.value)}</span></div>
            </>
          ) : cell ? (
            <>
              <div class="chart-tip-x">estimated between trials</div>
              <div class="chart-tip-row"><span class="chart-tip-label">{g.x_param}</span><span class="num">{formatValue(+cell.x.toPrecision(4))}</span></div>
              <div class="chart-tip-row"><span class="chart-tip-label">{g.y_param}</span><span class="num">{formatValue(+cell.y.toPrecision(4))}</span></div>
              <div class="chart-tip-row"><span class="chart-tip-label">{g.metric}</span><span class="num">{formatValue(cell.v)}</span></div>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** The colour key of a heat map: low to high values of the metric, and which end is better. */
export function ColorKey(props: { low: number; high: number; metric: string; goal: "minimize" | "maximize" }) {
  const stops = Array.from({ length: 11 }, (_, i) => `${gradient(i / 10)} ${i * 10}%`).join(", ");
  return (
    <div class="sw-colorkey" aria-label={`Colour key of ${props.metric}`}>
      <span class="num">{formatValue(props.low)}</span>
      <span class="sw-colorkey-bar" style={{ background: `linear-gradient(to right, ${stops})` }} />
      <span class="num">{formatValue(props.high)}</span>
      <span class="muted">
        {props.metric}: {props.goal === "minimize" ? "lower (blue) is better" : "higher (orange) is better"}
      </span>
    </div>
  );
}
