// Panel specs: what each chart of a grid shows. Plain data, saved per project in the
// browser, so a user's edits survive reloads.
import type { Smoothing } from "./transforms";

export type XAxis = { kind: "step" } | { kind: "wall" } | { kind: "relative" } | { kind: "metric"; key: string };

export interface PanelSpec {
  id: string;
  title: string;
  keys: string[];
  x: XAxis;
  smoothing: Smoothing;
  log: boolean;
  yMin: number | null;
  yMax: number | null;
  band: "none" | "minmax" | "std";
  ignoreOutliers: boolean;
}

export interface MetricDef {
  pattern: string;
  step_metric?: string | null;
  hidden?: boolean;
}

/** `train/*`-style glob, as ``define_metric`` takes it. */
export function globMatch(pattern: string, key: string): boolean {
  const re = new RegExp("^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
  return re.test(key);
}

/** The definition that applies to a key: the last matching one, as on the server. */
export function definitionFor(key: string, defs: MetricDef[]): MetricDef | undefined {
  let found: MetricDef | undefined;
  for (const def of defs) if (globMatch(def.pattern, key)) found = def;
  return found;
}

export function xAxisName(x: XAxis): string {
  if (x.kind === "metric") return x.key;
  return { step: "step", wall: "wall time", relative: "relative time" }[x.kind];
}

export function xAxisId(x: XAxis): string {
  return x.kind === "metric" ? `metric:${x.key}` : x.kind;
}

export function parseXAxis(id: string): XAxis {
  if (id.startsWith("metric:")) return { kind: "metric", key: id.slice(7) };
  if (id === "wall" || id === "relative") return { kind: id };
  return { kind: "step" };
}

/** The section a key's panel goes in: its prefix (`train/loss` → `train`), else "charts". */
export function sectionOf(key: string): string {
  const slash = key.indexOf("/");
  return slash > 0 ? key.slice(0, slash) : "charts";
}

export function newPanel(keys: string[], x: XAxis, title?: string): PanelSpec {
  return {
    id: Math.random().toString(36).slice(2, 10),
    title: title ?? keys.join(", "),
    keys,
    x,
    smoothing: { kind: "none" },
    log: false,
    yMin: null,
    yMax: null,
    band: "none",
    ignoreOutliers: false,
  };
}

/**
 * One panel per metric, in sections by prefix. A key that only serves as another key's
 * x axis (like `epoch`) gets no panel of its own; hidden metrics get none either. A
 * metric defined with a step metric is drawn against it.
 */
export function defaultPanels(keys: string[], defs: MetricDef[]): PanelSpec[] {
  const stepMetrics = new Set(defs.map((d) => d.step_metric).filter((k): k is string => !!k));
  const panels: PanelSpec[] = [];
  for (const key of [...keys].sort()) {
    const def = definitionFor(key, defs);
    if (def?.hidden || stepMetrics.has(key)) continue;
    const x: XAxis = def?.step_metric && def.step_metric !== key ? { kind: "metric", key: def.step_metric } : { kind: "step" };
    panels.push({ ...newPanel([key], x, key), id: `key:${key}` });
  }
  return panels;
}

/** Panels grouped by section, sections in a stable order with `system` last. */
export function sections(panels: PanelSpec[]): [string, PanelSpec[]][] {
  const by = new Map<string, PanelSpec[]>();
  for (const panel of panels) {
    const name = sectionOf(panel.keys[0] ?? "");
    if (!by.has(name)) by.set(name, []);
    by.get(name)!.push(panel);
  }
  const rank = (name: string) => (name === "system" ? 2 : name === "charts" ? 0 : 1);
  return [...by.entries()].sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
}
