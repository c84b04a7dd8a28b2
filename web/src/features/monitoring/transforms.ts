// Pure transforms from the API's result rows to what the monitoring pages draw: a window
// axis, matrices (features × windows), series aligned on the windows, distributions,
// confusion matrices, health at a glance and the latest window's findings in words.
import type { AuditRow, Monitor, MonitorResult, MonitorSpec, MonitorWindow } from "./api";
import { DRIFT_METHODS, FAIRNESS_METRICS, QUALITY_METRICS, term } from "./glossary";

// -- windows --------------------------------------------------------------------------------

export interface WindowAxis {
  /** Window starts and ends in ms since the epoch, oldest first. */
  starts: number[];
  ends: number[];
  index: Map<number, number>;
}

export function windowAxis(windows: { start: string; end: string }[]): WindowAxis {
  const pairs = windows
    .map((w) => [Date.parse(w.start), Date.parse(w.end)] as const)
    .sort((a, b) => a[0] - b[0]);
  const starts: number[] = [];
  const ends: number[] = [];
  const index = new Map<number, number>();
  for (const [start, end] of pairs) {
    if (index.has(start)) continue;
    index.set(start, starts.length);
    starts.push(start);
    ends.push(end);
  }
  return { starts, ends, index };
}

/** The axis of the windows the results themselves name (when /windows is not at hand). */
export function axisOfResults(results: { window_start: string; window_end: string }[]): WindowAxis {
  const seen = new Map<string, { start: string; end: string }>();
  for (const r of results) if (!seen.has(r.window_start)) seen.set(r.window_start, { start: r.window_start, end: r.window_end });
  return windowAxis([...seen.values()]);
}

export function columnOf(axis: WindowAxis, iso: string): number | undefined {
  return axis.index.get(Date.parse(iso));
}

const DAY = 86_400_000;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function utcDate(ms: number, year = true): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year ? ` ${d.getUTCFullYear()}` : ""}`;
}

function utcTime(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

/** A window in words: "Mon 17 Nov 2026", "17–23 Nov 2026", "17 Nov 2026 14:00–15:00 UTC". */
export function formatWindow(start: number, end: number): string {
  const whole = start % DAY === 0 && end % DAY === 0;
  if (whole && end - start === DAY) return `${WEEKDAYS[new Date(start).getUTCDay()]} ${utcDate(start)}`;
  if (whole) return `${utcDate(start, false)} – ${utcDate(end - DAY)}`;
  if (end - start < DAY && new Date(start).getUTCDate() === new Date(end - 1).getUTCDate())
    return `${utcDate(start)} ${utcTime(start)}–${utcTime(end)} UTC`;
  return `${utcDate(start)} ${utcTime(start)} – ${utcDate(end)} ${utcTime(end)} UTC`;
}

/** A short axis label for a window start. */
export function shortWindow(start: number, span: number): string {
  if (span >= DAY && start % DAY === 0) return utcDate(start, false);
  return `${utcDate(start, false)} ${utcTime(start)}`;
}

// -- verdicts -------------------------------------------------------------------------------

export type Verdict = "ok" | "drift" | "alert" | "insufficient_data" | "standing";

/** The verdict to show: fairness gaps past the limit but no worse than the reference are
 * "standing" (the engine stores them as ok with ``detail.standing_gap``). */
export function verdictOf(r: Pick<MonitorResult, "verdict" | "detail">): Verdict {
  if (r.verdict === "standing" || (r.verdict === "ok" && r.detail?.standing_gap === true)) return "standing";
  if (r.verdict === "drift" || r.verdict === "alert" || r.verdict === "insufficient_data") return r.verdict;
  return "ok";
}

export function isBad(verdict: string): boolean {
  return verdict === "drift" || verdict === "alert";
}

// -- matrices (rows × windows) ---------------------------------------------------------------

export interface Matrix {
  rows: string[];
  cols: number;
  /** Index into ``results`` of each cell (row-major), -1 when the cell is empty. */
  cell: Int32Array;
  results: MonitorResult[];
}

/** One result per (row, window): ``rowOf`` names a result's row, or null to skip it. Rows
 * follow ``order`` first, then the others alphabetically. */
export function buildMatrix(
  results: MonitorResult[],
  axis: WindowAxis,
  rowOf: (r: MonitorResult) => string | null,
  order: readonly string[] = [],
): Matrix {
  const present = new Set<string>();
  for (const r of results) {
    const row = rowOf(r);
    if (row !== null) present.add(row);
  }
  const ordered = [...new Set(order)];
  const rows = [...ordered.filter((name) => present.has(name)), ...[...present].filter((name) => !ordered.includes(name)).sort()];
  const rowIndex = new Map(rows.map((name, i) => [name, i]));
  const cols = axis.starts.length;
  const cell = new Int32Array(rows.length * cols).fill(-1);
  results.forEach((r, i) => {
    const row = rowOf(r);
    if (row === null) return;
    const col = columnOf(axis, r.window_start);
    if (col === undefined) return;
    cell[rowIndex.get(row)! * cols + col] = i;
  });
  return { rows, cols, cell, results };
}

export function resultAt(matrix: Matrix, row: number, col: number): MonitorResult | null {
  if (row < 0 || col < 0 || row >= matrix.rows.length || col >= matrix.cols) return null;
  const i = matrix.cell[row * matrix.cols + col];
  return i < 0 ? null : matrix.results[i];
}

/** Per-feature drift over windows, features in the monitor's order, the score column last. */
export function driftMatrix(results: MonitorResult[], axis: WindowAxis, spec: Pick<MonitorSpec, "features" | "prediction">): Matrix {
  const order = [...spec.features, ...(spec.prediction ? [spec.prediction] : [])];
  return buildMatrix(results, axis, (r) => (r.kind === "drift" ? r.subject : null), order);
}

/**
 * How far past its threshold a drift result is: 1 at the threshold, above 1 drifted, NaN
 * when it could not be tested. Distances compare value/threshold; tests compare p-values
 * on a log scale (p = threshold → 1, p ten times smaller than 0.05 → about 1.8).
 */
export function severity(r: Pick<MonitorResult, "value" | "p_value" | "threshold" | "verdict">): number {
  if (r.verdict === "insufficient_data") return Number.NaN;
  const t = r.threshold;
  if (r.p_value !== null && r.p_value !== undefined) {
    if (t === null || t === undefined || t <= 0 || t >= 1) return Number.NaN;
    const p = Math.max(r.p_value, 1e-300);
    return Math.log(p) / Math.log(t);
  }
  if (r.value === null || r.value === undefined) return Number.NaN;
  if (t === null || t === undefined || t <= 0) return r.value;
  return r.value / t;
}

function mix(a: [number, number, number], b: [number, number, number], t: number): string {
  const c = Math.min(1, Math.max(0, t));
  const ch = (i: number) => Math.round(a[i] + (b[i] - a[i]) * c);
  return `rgb(${ch(0)},${ch(1)},${ch(2)})`;
}

/** A heatmap cell's colour: greens while under the threshold, orange to dark red past it,
 * grey when there was too little data, amber for a standing gap. */
export function heatColor(verdict: Verdict, sev: number): string {
  if (verdict === "insufficient_data" || Number.isNaN(sev)) return "#cfd4dc";
  if (verdict === "standing") return "#f2c14e";
  if (isBad(verdict)) return mix([245, 159, 0], [176, 30, 30], Math.log2(Math.max(1, sev)) / Math.log2(4));
  return mix([226, 242, 228], [214, 231, 160], Math.max(0, sev));
}

// -- series ---------------------------------------------------------------------------------

export interface Series {
  value: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  threshold: (number | null)[];
  verdict: (Verdict | null)[];
  rows: (number | null)[];
  results: (MonitorResult | null)[];
}

/** The results ``pick`` keeps, one per window of ``axis`` (null where a window has none). */
export function seriesOf(results: MonitorResult[], axis: WindowAxis, pick: (r: MonitorResult) => boolean): Series {
  const n = axis.starts.length;
  const s: Series = {
    value: new Array(n).fill(null),
    lower: new Array(n).fill(null),
    upper: new Array(n).fill(null),
    threshold: new Array(n).fill(null),
    verdict: new Array(n).fill(null),
    rows: new Array(n).fill(null),
    results: new Array(n).fill(null),
  };
  for (const r of results) {
    if (!pick(r)) continue;
    const i = columnOf(axis, r.window_start);
    if (i === undefined) continue;
    s.value[i] = r.value;
    s.lower[i] = r.lower;
    s.upper[i] = r.upper;
    s.threshold[i] = r.threshold;
    s.verdict[i] = verdictOf(r);
    s.rows[i] = r.rows;
    s.results[i] = r;
  }
  return s;
}

/** The threshold shared by a series' windows (the last one set), or null. */
export function lastThreshold(s: Series): number | null {
  for (let i = s.threshold.length - 1; i >= 0; i--) if (s.threshold[i] !== null) return s.threshold[i];
  return null;
}

/** Distinct groups (segment values, sensitive groups) of a subject, '*' left out. */
export function groupsOf(results: MonitorResult[], subject: string, kind: string): string[] {
  const groups = new Set<string>();
  for (const r of results) if (r.kind === kind && r.subject === subject && r.group !== "*") groups.add(r.group);
  return [...groups].sort((a, b) => a.localeCompare(b));
}

/** Distinct metrics of one kind, in the glossary's order. */
export function metricsOf(results: MonitorResult[], kind: string, known: Record<string, unknown>): string[] {
  const found = new Set<string>();
  for (const r of results) if (r.kind === kind) found.add(r.metric);
  const order = Object.keys(known);
  return [...found].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

/** The last window index at which a series has a value, or -1. */
export function lastIndex(values: (unknown | null)[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return i;
  return -1;
}

// -- distributions -----------------------------------------------------------------------------

export interface Bars {
  kind: "numerical" | "categorical";
  labels: string[];
  /** Bin edges (numerical), one more than labels. */
  edges: number[] | null;
  reference: number[];
  current: number[];
  referenceCounts: number[];
  currentCounts: number[];
  nReference: number;
  nCurrent: number;
}

function numbers(value: unknown): number[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === "number") ? (value as number[]) : null;
}

function shares(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

function edgeLabel(x: number): string {
  const abs = Math.abs(x);
  return abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : abs >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

/** A drift result's ``detail.distribution`` as shares of each side, on shared bins. */
export function distributionBars(detail: Record<string, unknown> | null | undefined): Bars | null {
  const d = detail?.distribution as Record<string, unknown> | undefined;
  if (!d || typeof d !== "object") return null;
  const refCounts = numbers(d.reference_counts ?? d.reference);
  const curCounts = numbers(d.current_counts ?? d.current);
  if (!refCounts || !curCounts || refCounts.length !== curCounts.length || refCounts.length === 0) return null;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const base = {
    reference: shares(refCounts),
    current: shares(curCounts),
    referenceCounts: refCounts,
    currentCounts: curCounts,
    nReference: typeof d.n_reference === "number" ? d.n_reference : sum(refCounts),
    nCurrent: typeof d.n_current === "number" ? d.n_current : sum(curCounts),
  };
  const edges = numbers(d.edges);
  if (d.kind === "numerical" && edges && edges.length === refCounts.length + 1) {
    const labels = refCounts.map((_, i) => `${edgeLabel(edges[i])} – ${edgeLabel(edges[i + 1])}`);
    return { kind: "numerical", labels, edges, ...base };
  }
  const categories = Array.isArray(d.categories) ? (d.categories as unknown[]).map(String) : null;
  if (!categories || categories.length !== refCounts.length) return null;
  return { kind: "categorical", labels: categories, edges: null, ...base };
}

// -- confusion matrix ----------------------------------------------------------------------------

export interface Confusion {
  classes: string[];
  /** matrix[actual][predicted] */
  matrix: number[][];
  total: number;
}

export function confusionOf(r: MonitorResult | null | undefined): Confusion | null {
  const m = r?.detail?.matrix;
  const classes = r?.detail?.classes;
  if (!Array.isArray(m) || !Array.isArray(classes)) return null;
  const matrix = (m as unknown[]).map((row) => (Array.isArray(row) ? row.map((x) => Number(x) || 0) : []));
  if (matrix.length !== classes.length || matrix.some((row) => row.length !== classes.length)) return null;
  return { classes: classes.map(String), matrix, total: matrix.flat().reduce((a, b) => a + b, 0) };
}

// -- health -----------------------------------------------------------------------------------

export interface Health {
  verdict: string;
  issues: Record<string, number>;
  drifted: string[];
  windows: number;
  alerting: number;
  unmatched: number;
  windowStart: string | null;
}

export function readHealth(raw: Record<string, unknown> | null | undefined): Health {
  const h = raw ?? {};
  const issues: Record<string, number> = {};
  if (h.issues && typeof h.issues === "object")
    for (const [k, v] of Object.entries(h.issues as Record<string, unknown>)) if (typeof v === "number") issues[k] = v;
  return {
    verdict: typeof h.verdict === "string" ? h.verdict : "no_data",
    issues,
    drifted: Array.isArray(h.drifted_features) ? h.drifted_features.map(String) : [],
    windows: typeof h.windows === "number" ? h.windows : 0,
    alerting: typeof h.alerting_windows === "number" ? h.alerting_windows : 0,
    unmatched: typeof h.unmatched_labels === "number" ? h.unmatched_labels : 0,
    windowStart: typeof h.window_start === "string" ? h.window_start : null,
  };
}

/** Counts for the monitors list: what alerted in the latest window. */
export function healthCounts(h: Health): { drift: number; quality: number; performance: number; fairness: number } {
  const i = h.issues;
  return {
    drift: h.drifted.length || i.drift || 0,
    quality: i.quality ?? 0,
    performance: (i.performance ?? 0) + (i.estimated ?? 0) + (i.concept ?? 0),
    fairness: i.fairness ?? 0,
  };
}

/** "dropout-risk@production" → { name, selector }. */
export function parseModelRef(model: string | null | undefined): { name: string; selector: string | null } | null {
  if (!model) return null;
  const at = model.indexOf("@");
  if (at >= 0) return { name: model.slice(0, at), selector: model.slice(at + 1) || null };
  const colon = model.lastIndexOf(":");
  if (colon >= 0) return { name: model.slice(0, colon), selector: model.slice(colon + 1) || null };
  return { name: model, selector: null };
}

// -- numbers in words -----------------------------------------------------------------------

export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const p = v * 100;
  if (p === 0) return "0%";
  if (Math.abs(p) < 1) return `${p.toFixed(2)}%`;
  if (Math.abs(p) < 10) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "–" : v > 0 ? "∞" : "-∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return v.toLocaleString("en");
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(2);
  return String(+v.toPrecision(digits));
}

/** A metric's value the way people read it: shares as percentages. */
export function metricValue(metric: string, v: number | null | undefined): string {
  return term(metric).share ? pct(v) : num(v);
}

// -- the latest window's findings, in words ------------------------------------------------------

export type Tab = "overview" | "drift" | "performance" | "fairness" | "quality" | "explanations" | "audit";

export interface Finding {
  level: "alert" | "note";
  kind: string;
  text: string;
  tab: Tab;
  params: Record<string, string>;
}

function listWords(items: string[], max = 4): string {
  const shown = items.slice(0, max);
  const more = items.length - shown.length;
  const text = shown.length <= 1 ? shown.join("") : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : text;
}

/** What happened in one window, worst first, each pointing at the tab that shows it. */
export function findings(results: MonitorResult[], window: Pick<MonitorWindow, "rows" | "labeled" | "start"> | null): Finding[] {
  const out: Finding[] = [];
  const at: Record<string, string> = window ? { window: window.start } : {};
  const drift = results.filter((r) => r.kind === "drift" && r.verdict === "drift");
  for (const r of drift) {
    const method = DRIFT_METHODS[r.metric]?.name ?? String(r.detail?.label ?? r.metric);
    const how =
      r.p_value !== null && r.p_value !== undefined
        ? `${method} p-value ${num(r.p_value)} (drift below ${num(r.threshold)})`
        : `${method} ${num(r.value)} (drift from ${num(r.threshold)})`;
    const who = r.detail?.role === "prediction" ? `The model's risk scores (${r.subject}) shifted` : `${r.subject} no longer looks like the reference data`;
    out.push({ level: "alert", kind: "drift", text: `${who}: ${how}.`, tab: "drift", params: { feature: r.subject, ...at } });
  }
  for (const r of results) {
    if (r.kind === "dataset" && r.verdict === "drift") {
      const n = Number(r.detail?.n_drifted ?? 0);
      const of = Number(r.detail?.n_columns ?? 0);
      out.push({ level: "alert", kind: "dataset", text: `${n} of ${of} features changed at once: the data as a whole drifted.`, tab: "drift", params: { ...at } });
    }
    if (r.kind === "multivariate" && r.verdict === "drift") {
      const top = Array.isArray(r.detail?.top_features) ? (r.detail.top_features as unknown[][]).map((x) => String(x[0])).slice(0, 3) : [];
      out.push({
        level: "alert",
        kind: "multivariate",
        text: `A classifier can tell this window's students from the reference ones (AUC ${num(r.value)}, alarm above ${num(r.threshold)})${top.length ? `; it relies most on ${listWords(top)}` : ""}.`,
        tab: "drift",
        params: { ...at },
      });
    }
  }
  for (const r of results) {
    if (r.kind !== "quality" || r.verdict !== "alert") continue;
    const params = { metric: r.metric, column: r.subject, ...at };
    if (r.metric === "missing_rate") {
      const ref = typeof r.detail?.reference === "number" ? ` (reference: ${pct(r.detail.reference)})` : "";
      out.push({ level: "alert", kind: "quality", text: `${r.subject} is missing in ${pct(r.value)} of rows${ref}.`, tab: "quality", params });
    } else if (r.metric === "new_category_rate") {
      const names = Array.isArray(r.detail?.new_categories) ? (r.detail.new_categories as unknown[]).map(String) : [];
      out.push({
        level: "alert",
        kind: "quality",
        text: `${r.subject} has ${names.length === 1 ? "a category" : "categories"} the reference never had${names.length ? `: ${listWords(names.map((n) => `"${n}"`))}` : ""} (${pct(r.value)} of values).`,
        tab: "quality",
        params,
      });
    } else if (r.metric === "out_of_range_rate") {
      out.push({ level: "alert", kind: "quality", text: `${pct(r.value)} of ${r.subject} values fall outside the reference's range.`, tab: "quality", params });
    } else if (r.metric === "type_mismatch") {
      out.push({ level: "alert", kind: "quality", text: `${r.subject} has ${num(r.value)} values of the wrong type.`, tab: "quality", params });
    }
  }
  for (const r of results) {
    if (r.kind === "concept" && r.verdict === "alert") {
      const text = String(r.detail?.explanation ?? "realised performance fell while no input drifted");
      out.push({ level: "alert", kind: "concept", text: `Concept drift: ${text}.`, tab: "performance", params: { metric: r.metric, ...at } });
    }
  }
  const overall = results.filter((r) => r.kind === "performance" && r.subject === "*" && r.verdict === "alert");
  for (const r of overall) {
    const ref = typeof r.detail?.reference === "number" ? `; reference ${metricValue(r.metric, r.detail.reference)}` : "";
    out.push({
      level: "alert",
      kind: "performance",
      text: `${term(r.metric).name} fell to ${metricValue(r.metric, r.value)} (alarm below ${metricValue(r.metric, r.threshold)}${ref}).`,
      tab: "performance",
      params: { metric: r.metric, ...at },
    });
  }
  const segments = results.filter((r) => r.kind === "performance" && r.subject !== "*" && r.verdict === "alert");
  if (segments.length) {
    const where = [...new Set(segments.map((r) => `${r.subject} = ${r.group}`))];
    out.push({
      level: "alert",
      kind: "performance",
      text: `In ${where.length} segment${where.length === 1 ? "" : "s"} a metric fell below its alarm: ${listWords(where, 3)}. Small segments are noisy; check the confidence bands.`,
      tab: "performance",
      params: { segment: segments[0].subject, metric: segments[0].metric, ...at },
    });
  }
  for (const r of results) {
    if (r.kind === "estimated" && r.verdict === "alert") {
      const hi = typeof r.detail?.threshold_upper === "number" ? r.detail.threshold_upper : null;
      const range = hi !== null ? `outside the expected ${metricValue(r.metric, r.threshold)} – ${metricValue(r.metric, hi)}` : `below ${metricValue(r.metric, r.threshold)}`;
      out.push({
        level: "alert",
        kind: "estimated",
        text: `Estimated ${term(r.metric).name.toLowerCase()} (before outcomes are known) is ${metricValue(r.metric, r.value)}, ${range}.`,
        tab: "performance",
        params: { metric: r.metric, ...at },
      });
    }
  }
  for (const r of results) {
    if (r.kind !== "fairness" || r.group !== "*" || !(r.metric in FAIRNESS_METRICS)) continue;
    const v = verdictOf(r);
    if (v !== "alert" && v !== "standing") continue;
    const name = FAIRNESS_METRICS[r.metric].name.toLowerCase();
    const limit = r.threshold !== null ? ` (limit ${num(r.threshold)})` : "";
    const ref = typeof r.detail?.reference === "number" ? `, ${v === "alert" ? "worse than" : "like"} in the reference data (${num(r.detail.reference)})` : "";
    out.push(
      v === "alert"
        ? { level: "alert", kind: "fairness", text: `Across ${r.subject}, the ${name} is ${num(r.value)}${limit}${ref}.`, tab: "fairness", params: { attribute: r.subject, ...at } }
        : {
            level: "note",
            kind: "fairness",
            text: `Across ${r.subject}, the ${name} is ${num(r.value)}${limit}: past the limit but no worse than in the reference data${ref ? ` (${num(r.detail.reference as number)})` : ""}, a standing gap.`,
            tab: "fairness",
            params: { attribute: r.subject, ...at },
          },
    );
  }
  if (window) {
    if (window.labeled === 0)
      out.push({
        level: "note",
        kind: "labels",
        text: `No outcomes are known yet for this window's ${window.rows.toLocaleString("en")} predictions: performance and fairness appear when labels arrive. Until then, see the estimated performance.`,
        tab: "performance",
        params: {},
      });
    else if (window.labeled < window.rows)
      out.push({
        level: "note",
        kind: "labels",
        text: `Outcomes are known for ${window.labeled.toLocaleString("en")} of ${window.rows.toLocaleString("en")} predictions (${pct(window.labeled / window.rows)}) in this window.`,
        tab: "performance",
        params: {},
      });
  }
  const short = results.filter((r) => r.kind === "drift" && r.verdict === "insufficient_data");
  if (short.length)
    out.push({
      level: "note",
      kind: "drift",
      text: `${listWords(short.map((r) => r.subject))} could not be tested: too few values in this window.`,
      tab: "drift",
      params: { ...at },
    });
  return out;
}

// -- quality --------------------------------------------------------------------------------

export interface QualityIssue {
  column: string;
  metric: string;
  /** Windows (column indexes) in which the check alerted. */
  windows: number[];
  latest: MonitorResult;
  newCategories: string[];
}

/** Columns and checks that alerted in any window, with the windows and their last value. */
export function qualityIssues(results: MonitorResult[], axis: WindowAxis): QualityIssue[] {
  const byKey = new Map<string, QualityIssue>();
  for (const r of results) {
    if (r.kind !== "quality" || r.verdict !== "alert") continue;
    const col = columnOf(axis, r.window_start);
    if (col === undefined) continue;
    const key = `${r.subject}\u0000${r.metric}`;
    let issue = byKey.get(key);
    if (!issue) {
      issue = { column: r.subject, metric: r.metric, windows: [], latest: r, newCategories: [] };
      byKey.set(key, issue);
    }
    issue.windows.push(col);
    if (Date.parse(r.window_start) >= Date.parse(issue.latest.window_start)) issue.latest = r;
    if (Array.isArray(r.detail?.new_categories))
      for (const c of r.detail.new_categories as unknown[]) if (!issue.newCategories.includes(String(c))) issue.newCategories.push(String(c));
  }
  const order = Object.keys(QUALITY_METRICS);
  return [...byKey.values()]
    .map((i) => ({ ...i, windows: [...new Set(i.windows)].sort((a, b) => a - b) }))
    .sort((a, b) => b.windows.length - a.windows.length || order.indexOf(a.metric) - order.indexOf(b.metric) || a.column.localeCompare(b.column));
}

/** "14–23 Nov" style spans of consecutive window indexes. */
export function spans(indexes: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const i of indexes) {
    const last = out[out.length - 1];
    if (last && i === last[1] + 1) last[1] = i;
    else out.push([i, i]);
  }
  return out;
}

// -- audit ------------------------------------------------------------------------------------

export interface AuditField {
  key: string;
  label: string;
  group: "prediction" | "outcome" | "input" | "other";
}

/** The fields of audit rows in reading order: when and which model, what it predicted, what
 * happened, then the inputs in the monitor's order. */
export function auditFields(rows: AuditRow[], spec: Pick<MonitorSpec, "features" | "segments" | "sensitive" | "prediction" | "prediction_label" | "label">): AuditField[] {
  const keys = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) keys.add(k);
  const out: AuditField[] = [];
  const take = (key: string | null | undefined, label: string, group: AuditField["group"]) => {
    if (key && keys.has(key)) {
      out.push({ key, label, group });
      keys.delete(key);
    }
  };
  keys.delete("__id");
  take("__ts", "Predicted at", "prediction");
  take("__mv", "Model version", "prediction");
  take(spec.prediction, `Risk score (${spec.prediction})`, "prediction");
  take(spec.prediction_label, `Decision (${spec.prediction_label})`, "prediction");
  take("__label", `Actual outcome${spec.label ? ` (${spec.label})` : ""}`, "outcome");
  take(spec.label, `Outcome logged with the prediction (${spec.label})`, "outcome");
  for (const name of [...spec.features, ...spec.segments, ...spec.sensitive]) take(name, name, "input");
  for (const key of [...keys].sort()) take(key, key.replace(/^__/, ""), "other");
  return out;
}

/** A monitor's page and list share the one-line description of what it watches. */
export function watches(m: Monitor): string {
  const spec = m.spec;
  const parts = [`${spec.features.length} feature${spec.features.length === 1 ? "" : "s"}`];
  if (spec.segments.length) parts.push(`segments ${spec.segments.join(", ")}`);
  if (spec.sensitive.length) parts.push(`fairness across ${spec.sensitive.join(", ")}`);
  return parts.join(" · ");
}

// -- small helpers of the tabs ---------------------------------------------------------------

/** Groups left out of the gaps (too few labelled students) in at least half the windows. */
export function fewGroups(overall: MonitorResult[]): Set<string> {
  const counts = new Map<string, Set<string>>();
  const windows = new Set<string>();
  for (const r of overall) {
    windows.add(r.window_start);
    if (!Array.isArray(r.detail?.insufficient_groups)) continue;
    for (const g of r.detail.insufficient_groups as unknown[]) {
      const key = String(g);
      if (!counts.has(key)) counts.set(key, new Set());
      counts.get(key)!.add(r.window_start);
    }
  }
  return new Set([...counts].filter(([, seen]) => seen.size * 2 >= windows.size).map(([g]) => g));
}

/** A cell's colour: white to blue with the value (relative to the largest), red when it alerted. */
export function qualityColor(value: number | null, max: number, alert: boolean): string {
  if (value === null) return "#cfd4dc";
  const t = max > 0 ? Math.min(1, value / max) : 0;
  if (alert) return `rgb(${Math.round(240 - 60 * t)},${Math.round(120 - 80 * t)},${Math.round(90 - 60 * t)})`;
  return `rgb(${Math.round(240 - 140 * t)},${Math.round(246 - 110 * t)},${Math.round(250 - 60 * t)})`;
}

/** Ids typed by a person: separated by commas, spaces or new lines. */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean))].slice(0, 1000);
}

/** Window midpoints in seconds: where each window's value is drawn. */
export function midpoints(axis: WindowAxis): number[] {
  return axis.starts.map((s, i) => (s + axis.ends[i]) / 2000);
}
