// A monitor page's view lives in the URL (tab, selected feature, window, metric, …), so
// every chart an educator looks at can be linked to and survives a reload.
import { monitorPath } from "../../lib/route";
import type { Tab } from "./transforms";

export const TABS: Record<Tab, string> = {
  overview: "Overview",
  drift: "Drift",
  performance: "Performance",
  fairness: "Fairness",
  quality: "Data quality",
  explanations: "Explanations",
  audit: "Audit",
};

export interface MonitorView {
  tab: Tab;
  /** Drift: the feature opened in the detail panel. */
  feature: string | null;
  /** ISO start of the selected window. */
  window: string | null;
  /** Performance: the metric charted; data quality: the check shown. */
  metric: string | null;
  /** Performance: the segment column whose groups are drawn. */
  segment: string | null;
  /** Fairness: the sensitive attribute. */
  attribute: string | null;
  /** Data quality: the column highlighted. */
  column: string | null;
  /** Audit: the ids looked up (comma-separated) and the model version; explanations: the
   * prediction explained (one id) and its model version. */
  id: string | null;
  version: string | null;
}

const KEYS = ["feature", "window", "metric", "segment", "attribute", "column", "id", "version"] as const;

export function parseMonitorView(search: string): MonitorView {
  const params = new URLSearchParams(search);
  const raw = params.get("tab") ?? "overview";
  const view: MonitorView = {
    tab: raw in TABS ? (raw as Tab) : "overview",
    feature: null,
    window: null,
    metric: null,
    segment: null,
    attribute: null,
    column: null,
    id: null,
    version: null,
  };
  for (const key of KEYS) view[key] = params.get(key) || null;
  return view;
}

/** The URL of a view; keys set to null (or absent) are left out. */
export function viewPath(project: string, name: string, view: Partial<MonitorView>): string {
  const query: Record<string, string> = {};
  if (view.tab && view.tab !== "overview") query.tab = view.tab;
  for (const key of KEYS) {
    const value = view[key];
    if (value) query[key] = value;
  }
  return monitorPath(project, name, query);
}
