// Rows (features, columns) × windows on one canvas: 50 rows × 500 windows draw in a few
// milliseconds. Hover explains a cell, click (or arrow keys and Enter) opens it. Row names
// are buttons that open the row's latest window.
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { prepareCanvas, themeColor } from "../../charts/scales";
import { shortWindow, type WindowAxis } from "./transforms";

export interface HeatRow {
  key: string;
  label: string;
  /** A short note after the name (e.g. "6 of 14 windows"). */
  note?: string;
  title?: string;
}

export interface HeatmapProps {
  rows: HeatRow[];
  axis: WindowAxis;
  color: (row: number, col: number) => string | null;
  tip: (row: number, col: number) => ComponentChildren | null;
  selected: { row: number; col: number } | null;
  onSelect: (row: number, col: number) => void;
  label: string;
  rowHeight?: number;
}

const HEADER = 30;
const MIN_CELL = 4;
const MAX_CELL = 90;
const LABEL_WIDTH = 220;

export function Heatmap(props: HeatmapProps) {
  const rowHeight = props.rowHeight ?? 22;
  const outer = useRef<HTMLDivElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [avail, setAvail] = useState(800);
  const [hover, setHover] = useState<{ row: number; col: number; x: number; y: number } | null>(null);
  const [cursor, setCursor] = useState<{ row: number; col: number } | null>(null);
  const cols = props.axis.starts.length;
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(avail / Math.max(1, cols))));
  const width = Math.max(cell * cols, 40);
  const height = HEADER + rowHeight * props.rows.length;

  useEffect(() => {
    const el = outer.current;
    if (!el) return;
    const resize = new ResizeObserver(() => setAvail(Math.max(200, el.clientWidth - LABEL_WIDTH - 4)));
    resize.observe(el);
    return () => resize.disconnect();
  }, []);

  useLayoutEffect(() => {
    // Show the latest windows first when they do not all fit.
    const el = scroller.current;
    if (el) el.scrollLeft = el.scrollWidth;
  }, [cols, cell]);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const ctx = prepareCanvas(el, width, height);
    ctx.clearRect(0, 0, width, height);
    const empty = themeColor("--head", "#f4f6f9");
    const muted = themeColor("--muted", "#5d6677");
    const gap = cell >= 8 ? 1 : 0;
    for (let r = 0; r < props.rows.length; r++) {
      const y = HEADER + r * rowHeight;
      for (let c = 0; c < cols; c++) {
        ctx.fillStyle = props.color(r, c) ?? empty;
        ctx.fillRect(c * cell, y + 1, cell - gap, rowHeight - 2);
      }
    }
    ctx.fillStyle = muted;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "alphabetic";
    // Column labels that do not collide: whole days first (hourly windows get one label
    // a day at scale), then any other window where there is room.
    const span = cols ? props.axis.ends[0] - props.axis.starts[0] : 0;
    ctx.textAlign = "left";
    const taken: [number, number][] = [];
    const label = (c: number) => {
      const text = shortWindow(props.axis.starts[c], span >= 86_400_000 || props.axis.starts[c] % 86_400_000 === 0 ? 86_400_000 : 0);
      const x = c * cell;
      const w = ctx.measureText(text).width;
      if (x + w > width || taken.some(([a, b]) => x < b + 10 && x + w + 10 > a)) return;
      taken.push([x, x + w]);
      ctx.fillText(text, x + 1, HEADER - 16);
      ctx.fillRect(x, HEADER - 10, 1, 8);
    };
    for (let c = 0; c < cols; c++) if (props.axis.starts[c] % 86_400_000 === 0) label(c);
    for (let c = 0; c < cols; c++) if (props.axis.starts[c] % 86_400_000 !== 0) label(c);
    const mark = (at: { row: number; col: number } | null, color: string, lw: number) => {
      if (!at || at.row < 0 || at.col < 0) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = lw;
      ctx.strokeRect(at.col * cell + lw / 2, HEADER + at.row * rowHeight + lw / 2, Math.max(cell - gap - lw, 2), rowHeight - lw);
    };
    mark(cursor, themeColor("--accent", "#2f6fdf"), 2);
    mark(props.selected, themeColor("--fg", "#1d2330"), 2);
  }, [props.rows, props.axis, props.color, props.selected, cursor, cell, width, height, rowHeight]);

  const at = (event: MouseEvent) => {
    const el = canvas.current;
    if (!el) return null;
    const rect = el.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top - HEADER;
    const col = Math.floor(x / cell);
    const row = Math.floor(y / rowHeight);
    if (y < 0 || col < 0 || col >= cols || row < 0 || row >= props.rows.length) return null;
    return { row, col, x: event.clientX - (outer.current?.getBoundingClientRect().left ?? 0), y: event.clientY - (outer.current?.getBoundingClientRect().top ?? 0) };
  };

  const onKey = (event: KeyboardEvent) => {
    const current = cursor ?? props.selected ?? { row: 0, col: cols - 1 };
    const move: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (event.key in move) {
      const [dr, dc] = move[event.key];
      setCursor({ row: Math.min(props.rows.length - 1, Math.max(0, current.row + dr)), col: Math.min(cols - 1, Math.max(0, current.col + dc)) });
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === " ") {
      props.onSelect(current.row, current.col);
      event.preventDefault();
    }
  };

  const shown = hover ?? (cursor ? { ...cursor, x: LABEL_WIDTH + cursor.col * cell - (scroller.current?.scrollLeft ?? 0), y: HEADER + (cursor.row + 1) * rowHeight } : null);
  const tip = shown ? props.tip(shown.row, shown.col) : null;
  return (
    <div class="mon-heatmap" ref={outer} aria-label={props.label} role="group">
      <div class="mon-heat-labels" style={{ width: LABEL_WIDTH, paddingTop: HEADER }}>
        {props.rows.map((row, r) => (
          <button
            type="button"
            key={row.key}
            class={`mon-heat-label${props.selected?.row === r ? " current" : ""}`}
            style={{ height: rowHeight }}
            title={row.title ?? `Open ${row.label} in the latest window`}
            onClick={() => props.onSelect(r, -1)}
          >
            <span class="mon-heat-name">{row.label}</span>
            {row.note ? <span class="mon-heat-note">{row.note}</span> : null}
          </button>
        ))}
      </div>
      <div class="mon-heat-scroll" ref={scroller} onScroll={() => setHover(null)}>
        <canvas
          ref={canvas}
          tabIndex={0}
          role="grid"
          aria-label={`${props.label}: arrow keys move, Enter opens a cell`}
          aria-rowcount={props.rows.length}
          aria-colcount={cols}
          data-cell-width={cell}
          data-row-height={rowHeight}
          data-header={HEADER}
          data-rows={props.rows.map((r) => r.key).join(",")}
          onMouseMove={(e) => setHover(at(e))}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => {
            const hit = at(e);
            if (hit) props.onSelect(hit.row, hit.col);
          }}
          onKeyDown={onKey}
          onBlur={() => setCursor(null)}
        />
      </div>
      {shown && tip ? (
        <div class="chart-tip mon-heat-tip" style={{ left: `${Math.min(shown.x + 14, (outer.current?.clientWidth ?? 800) - 300)}px`, top: `${shown.y + 14}px` }}>
          {tip}
        </div>
      ) : null}
    </div>
  );
}
