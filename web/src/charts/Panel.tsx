// One chart panel: loads its data, draws it, and edits its own spec.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Message } from "../components/Message";
import { buildChart } from "./chartData";
import { LineChart } from "./LineChart";
import { parseXAxis, xAxisId, xAxisName, type PanelSpec } from "./panels";
import { usePanelData, type ChartRun } from "./usePanelData";

export interface PanelProps {
  spec: PanelSpec;
  runs: ChartRun[];
  /** Every metric key of these runs: choices for the panel's metrics and x axis. */
  allKeys: string[];
  range: [number, number] | null;
  onRange: (range: [number, number] | null) => void;
  onChange: (spec: PanelSpec) => void;
  onRemove: () => void;
  refresh: number;
  syncKey: string;
  height?: number;
}

function useWidth(): [preact.RefObject<HTMLDivElement>, number, boolean] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const resize = new ResizeObserver(() => setWidth(Math.round(el.clientWidth)));
    resize.observe(el);
    // Panels below the fold load when scrolled near: a run with 200 metrics opens fast.
    const seenObserver = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setSeen(true);
          seenObserver.disconnect();
        }
      },
      { rootMargin: "300px" },
    );
    seenObserver.observe(el);
    return () => {
      resize.disconnect();
      seenObserver.disconnect();
    };
  }, []);
  return [ref, width, seen];
}

export function Panel(props: PanelProps) {
  const { spec } = props;
  const [ref, width, seen] = useWidth();
  const [editing, setEditing] = useState(false);
  const { lines, error } = usePanelData(
    props.runs,
    seen ? spec.keys : [],
    spec.x,
    width,
    props.range,
    props.refresh,
  );
  const chart = useMemo(
    () => (lines ? buildChart(spec, lines, width, props.range) : null),
    [lines, spec, width, props.range?.[0], props.range?.[1]],
  );
  const height = props.height ?? 220;
  const empty = lines !== null && lines.length === 0;

  return (
    <section class="panel" data-panel={spec.title}>
      <header class="panel-head">
        <h3 title={spec.keys.join(", ")}>{spec.title}</h3>
        <span class="panel-x muted">vs {xAxisName(spec.x)}</span>
        <button type="button" class="icon" aria-label={`Edit panel ${spec.title}`} aria-expanded={editing} onClick={() => setEditing(!editing)}>
          ⚙
        </button>
      </header>
      {editing ? <PanelEditor {...props} /> : null}
      <div ref={ref} class="panel-body" style={{ minHeight: `${height}px` }}>
        {error ? <Message kind="error" title="This chart could not be loaded">{error.message}</Message> : null}
        {empty && !error ? <p class="muted panel-empty">No points of {spec.keys.join(", ")} in these runs{props.range ? " in this range" : ""}.</p> : null}
        {chart && !empty && width > 0 ? (
          <LineChart
            data={chart.data}
            lines={chart.lines}
            bands={chart.bands}
            xKind={spec.x.kind}
            xLabel={xAxisName(spec.x)}
            log={spec.log}
            yRange={[spec.yMin, spec.yMax]}
            autoY={chart.autoY}
            xRange={props.range}
            onXRange={props.onRange}
            syncKey={props.syncKey}
            height={height}
            hover={chart.hover}
            label={`Chart of ${spec.keys.join(", ")} against ${xAxisName(spec.x)}`}
          />
        ) : null}
        {!chart && !error && seen ? <p class="loading">Loading…</p> : null}
      </div>
    </section>
  );
}

function numberOrNull(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function PanelEditor(props: PanelProps) {
  const { spec, onChange } = props;
  const set = (patch: Partial<PanelSpec>) => onChange({ ...spec, ...patch });
  const [metricFilter, setMetricFilter] = useState("");
  const choices = props.allKeys.filter((k) => k.includes(metricFilter)).slice(0, 200);
  const smoothingValue = spec.smoothing.kind === "ema" ? spec.smoothing.weight : spec.smoothing.kind === "mean" ? spec.smoothing.window : 0;
  return (
    <form class="panel-editor" onSubmit={(e) => e.preventDefault()}>
      <label>
        Title <input value={spec.title} onInput={(e) => set({ title: (e.target as HTMLInputElement).value })} />
      </label>
      <fieldset>
        <legend>Metrics</legend>
        <input type="search" placeholder="Find a metric" value={metricFilter} onInput={(e) => setMetricFilter((e.target as HTMLInputElement).value)} />
        <div class="metric-choices">
          {choices.map((key) => (
            <label key={key}>
              <input
                type="checkbox"
                checked={spec.keys.includes(key)}
                onChange={(e) => {
                  const on = (e.target as HTMLInputElement).checked;
                  const keys = on ? [...spec.keys, key] : spec.keys.filter((k) => k !== key);
                  if (keys.length) set({ keys });
                }}
              />
              {key}
            </label>
          ))}
        </div>
      </fieldset>
      <label>
        X axis{" "}
        <select aria-label="X axis" value={xAxisId(spec.x)} onChange={(e) => set({ x: parseXAxis((e.target as HTMLSelectElement).value) })}>
          <option value="step">step</option>
          <option value="wall">wall time</option>
          <option value="relative">relative time</option>
          {props.allKeys.map((k) => (
            <option key={k} value={`metric:${k}`}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label>
        Smoothing{" "}
        <select
          aria-label="Smoothing"
          value={spec.smoothing.kind}
          onChange={(e) => {
            const kind = (e.target as HTMLSelectElement).value;
            set({ smoothing: kind === "ema" ? { kind, weight: 0.8 } : kind === "mean" ? { kind, window: 10 } : { kind: "none" } });
          }}
        >
          <option value="none">none</option>
          <option value="ema">exponential moving average</option>
          <option value="mean">running mean</option>
        </select>
      </label>
      {spec.smoothing.kind === "ema" ? (
        <label>
          Weight {smoothingValue}
          <input type="range" min="0" max="0.99" step="0.01" value={smoothingValue} onInput={(e) => set({ smoothing: { kind: "ema", weight: Number((e.target as HTMLInputElement).value) } })} />
        </label>
      ) : null}
      {spec.smoothing.kind === "mean" ? (
        <label>
          Window <input type="number" min="1" max="1000" value={smoothingValue} onInput={(e) => set({ smoothing: { kind: "mean", window: Math.max(1, Number((e.target as HTMLInputElement).value) || 1) } })} />
        </label>
      ) : null}
      <label>
        <input type="checkbox" checked={spec.log} onChange={(e) => set({ log: (e.target as HTMLInputElement).checked })} /> Log scale
      </label>
      <label>
        <input type="checkbox" checked={spec.ignoreOutliers} onChange={(e) => set({ ignoreOutliers: (e.target as HTMLInputElement).checked })} /> Ignore outliers
      </label>
      <label>
        Y min <input class="short" inputMode="decimal" value={spec.yMin ?? ""} onChange={(e) => set({ yMin: numberOrNull((e.target as HTMLInputElement).value) })} />
      </label>
      <label>
        Y max <input class="short" inputMode="decimal" value={spec.yMax ?? ""} onChange={(e) => set({ yMax: numberOrNull((e.target as HTMLInputElement).value) })} />
      </label>
      <label>
        Groups{" "}
        <select aria-label="Group bands" value={spec.band} onChange={(e) => set({ band: (e.target as HTMLSelectElement).value as PanelSpec["band"] })}>
          <option value="none">each run</option>
          <option value="minmax">mean, min–max band</option>
          <option value="std">mean ± std band</option>
        </select>
      </label>
      <button type="button" class="danger" onClick={props.onRemove}>
        Remove panel
      </button>
    </form>
  );
}
