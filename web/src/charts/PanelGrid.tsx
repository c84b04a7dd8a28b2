// A grid of chart panels in sections by metric prefix (train/, val/, system/…). Panels on
// the same x axis share their zoom; the hover cursor moves on every panel at once.
import { useEffect, useMemo, useState } from "preact/hooks";
import { defaultPanels, newPanel, sections, xAxisId, type MetricDef, type PanelSpec } from "./panels";
import { Panel } from "./Panel";
import type { ChartRun } from "./usePanelData";

export interface PanelGridProps {
  runs: ChartRun[];
  keys: string[];
  defs: MetricDef[];
  /** Where this grid's edited panels are kept in the browser (e.g. per project). */
  storageKey: string;
  refresh: number;
  /** Only these sections (e.g. ["system"]) or all but them (exclude). */
  only?: string[];
  exclude?: string[];
}

interface Saved {
  panels: PanelSpec[];
  removed: string[];
}

function load(key: string): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(key) ?? "null") as Saved | null;
    if (saved && Array.isArray(saved.panels)) return { panels: saved.panels, removed: saved.removed ?? [] };
  } catch {
    // A damaged entry is ignored: the defaults are a fine start.
  }
  return { panels: [], removed: [] };
}

let grids = 0;

export function PanelGrid(props: PanelGridProps) {
  const [saved, setSaved] = useState<Saved>(() => load(props.storageKey));
  const [ranges, setRanges] = useState<Record<string, [number, number] | null>>({});
  const [find, setFind] = useState("");
  const [syncKey] = useState(() => `grid-${++grids}`);

  useEffect(() => setSaved(load(props.storageKey)), [props.storageKey]);

  const save = (next: Saved) => {
    setSaved(next);
    try {
      localStorage.setItem(props.storageKey, JSON.stringify(next));
    } catch {
      // Storage full or disabled: edits last for this page only.
    }
  };

  // Edited panels first keep their place; every key no panel shows yet gets its default
  // panel, so metrics that appear while a run is live get charts without a reload.
  const panels = useMemo(() => {
    const shown = new Set(saved.panels.flatMap((p) => p.keys));
    const removed = new Set(saved.removed);
    const extra = defaultPanels(props.keys, props.defs).filter((p) => !shown.has(p.keys[0]) && !removed.has(p.id));
    return [...saved.panels, ...extra];
  }, [saved, props.keys.join("\n"), JSON.stringify(props.defs)]);

  const replace = (spec: PanelSpec) => {
    const known = saved.panels.some((p) => p.id === spec.id);
    save({ ...saved, panels: known ? saved.panels.map((p) => (p.id === spec.id ? spec : p)) : [...saved.panels, spec] });
  };
  const remove = (spec: PanelSpec) =>
    save({ panels: saved.panels.filter((p) => p.id !== spec.id), removed: [...saved.removed, spec.id] });

  const needle = find.trim().toLowerCase();
  const grouped = sections(panels)
    .filter(([name]) => (props.only ? props.only.includes(name) : !(props.exclude ?? []).includes(name)))
    .map(([name, list]) => [name, list.filter((p) => !needle || p.title.toLowerCase().includes(needle) || p.keys.some((k) => k.toLowerCase().includes(needle)))] as const)
    .filter(([, list]) => list.length);

  const anyZoom = Object.values(ranges).some((r) => r);

  return (
    <div class="panel-grid">
      <div class="panel-tools">
        <input type="search" aria-label="Find charts" placeholder="Find charts by metric" value={find} onInput={(e) => setFind((e.target as HTMLInputElement).value)} />
        <button type="button" onClick={() => replace(newPanel([props.keys[0]].filter(Boolean), { kind: "step" }, "New chart"))} disabled={!props.keys.length}>
          + Chart
        </button>
        <button type="button" onClick={() => setRanges({})} disabled={!anyZoom}>
          Reset zoom
        </button>
        <button type="button" onClick={() => save({ panels: [], removed: [] })} disabled={!saved.panels.length && !saved.removed.length}>
          Default charts
        </button>
        <span class="muted hint">Drag to zoom · Shift-drag to pan · Ctrl-wheel to zoom · double-click to reset</span>
      </div>
      {!grouped.length ? <p class="muted">{props.keys.length ? "No chart matches." : "No metrics logged yet."}</p> : null}
      {grouped.map(([name, list]) => (
        <details class="panel-section" open key={name}>
          <summary>
            {name} <span class="muted">({list.length})</span>
          </summary>
          <div class="panels">
            {list.map((spec) => (
              <Panel
                key={spec.id}
                spec={spec}
                runs={props.runs}
                allKeys={props.keys}
                range={ranges[xAxisId(spec.x)] ?? null}
                onRange={(range) => setRanges((all) => ({ ...all, [xAxisId(spec.x)]: range }))}
                onChange={replace}
                onRemove={() => remove(spec)}
                refresh={props.refresh}
                syncKey={syncKey}
              />
            ))}
          </div>
        </details>
      ))}
    </div>
  );
}
