// Pure helpers of the Explanations tab: the monitor's "explanation" results (SHAP importance
// per feature and window, the window's importance shift with its top-scored predictions)
// turned into chart series, a window's table, and explanations in words.
import type { Contribution, MonitorResult } from "./api";
import { EXPLANATION_METHODS, OUTPUT_SPACES } from "./glossary";
import { columnOf, num, type WindowAxis } from "./transforms";

export interface TopRow {
  /** The prediction's id (e.g. a student number). */
  row: string;
  output: number;
  baseValue: number;
  method: string;
  outputSpace: string;
  /** Its largest contributions, largest |contribution| first. */
  contributions: Contribution[];
}

export interface FeatureShare {
  feature: string;
  /** Mean |SHAP value| in the window. */
  importance: number | null;
  /** Share of the window's total importance (0..1). */
  share: number | null;
  /** Share of the total importance on the reference data, when known. */
  reference: number | null;
  /** share − reference, when both are known. */
  change: number | null;
}

export interface WindowExplanation {
  start: number;
  method: string;
  outputSpace: string;
  /** Explained predictions per model version, by version number. */
  modelVersions: { version: string; rows: number }[];
  /** Total variation distance between the window's and the reference's shares (0..1). */
  shift: number | null;
  rows: number | null;
  /** Every feature, largest |change| first (then largest share). */
  features: FeatureShare[];
  topRows: TopRow[];
}

const isShift = (r: MonitorResult) => r.kind === "explanation" && r.metric === "importance_shift";
const isImportance = (r: MonitorResult) => r.kind === "explanation" && r.metric === "importance" && r.subject !== "*";

function numberOr(v: unknown, fallback: number | null = null): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Values of a map normalised to shares of their sum (null when the sum is not positive). */
function sharesOf(values: Record<string, number>): Record<string, number> | null {
  const total = Object.values(values).reduce((a, b) => a + Math.abs(b), 0);
  if (!(total > 0)) return null;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.abs(v) / total]));
}

function contributionsOf(v: unknown): Contribution[] {
  if (!Array.isArray(v)) return [];
  return v
    .map(record)
    .filter((c) => typeof c.feature === "string" && typeof c.contribution === "number")
    .map((c) => ({ feature: c.feature as string, value: c.value ?? null, contribution: c.contribution as number }));
}

/** The top-scored explained predictions stored with a window's importance shift. */
export function readTopRows(detail: Record<string, unknown> | null | undefined): TopRow[] {
  const rows = detail?.top_rows;
  if (!Array.isArray(rows)) return [];
  return rows.map(record).flatMap((r) => {
    if (r.row === undefined || r.row === null) return [];
    return [
      {
        row: String(r.row),
        output: numberOr(r.output, Number.NaN) as number,
        baseValue: numberOr(r.base_value, Number.NaN) as number,
        method: typeof r.method === "string" ? r.method : String(detail?.method ?? ""),
        outputSpace: typeof r.output_space === "string" ? r.output_space : String(detail?.output_space ?? ""),
        contributions: contributionsOf(r.contributions),
      },
    ];
  });
}

/** One window's explanation: its features' shares now and on the reference, the method,
 * the model versions and the top-scored predictions. Null when the window has none. */
export function readWindow(results: MonitorResult[], start: number): WindowExplanation | null {
  const inWindow = results.filter((r) => r.kind === "explanation" && Date.parse(r.window_start) === start);
  if (!inWindow.length) return null;
  const shiftRow = inWindow.find(isShift) ?? null;
  const detail = record(shiftRow?.detail);
  const rows = inWindow.filter(isImportance);
  // Shares on the reference: the shift row's raw reference importances, else each row's.
  const rawRef: Record<string, number> = {};
  for (const [k, v] of Object.entries(record(detail.reference))) if (typeof v === "number") rawRef[k] = v;
  if (!Object.keys(rawRef).length) for (const r of rows) if (typeof r.detail?.reference === "number") rawRef[r.subject] = r.detail.reference;
  const refShares = sharesOf(rawRef) ?? {};
  const rawNow: Record<string, number> = {};
  for (const r of rows) if (r.value !== null) rawNow[r.subject] = r.value;
  const nowShares = sharesOf(rawNow) ?? {};
  const features: FeatureShare[] = rows.map((r) => {
    const share = numberOr(r.detail?.share, nowShares[r.subject] ?? null);
    const reference = refShares[r.subject] ?? null;
    return { feature: r.subject, importance: r.value, share, reference, change: share !== null && reference !== null ? share - reference : null };
  });
  features.sort(
    (a, b) => Math.abs(b.change ?? 0) - Math.abs(a.change ?? 0) || (b.share ?? 0) - (a.share ?? 0) || a.feature.localeCompare(b.feature),
  );
  const versions = Object.entries(record(detail.model_versions))
    .filter(([, n]) => typeof n === "number")
    .map(([version, n]) => ({ version, rows: n as number }))
    .sort((a, b) => Number(a.version) - Number(b.version) || a.version.localeCompare(b.version));
  return {
    start,
    method: typeof detail.method === "string" ? detail.method : "",
    outputSpace: typeof detail.output_space === "string" ? detail.output_space : "",
    modelVersions: versions,
    shift: shiftRow?.value ?? null,
    rows: shiftRow?.rows ?? rows[0]?.rows ?? null,
    features,
    topRows: readTopRows(detail),
  };
}

export interface ImportanceSeries {
  /** The features charted, most important (mean share over the windows) first. */
  features: string[];
  /** features[i]'s share in each window of the axis (null: not explained). */
  shares: (number | null)[][];
  /** The importance shift of each window. */
  shift: (number | null)[];
  /** The model versions that scored each window's explained predictions ("1", "1+2"). */
  versions: (string | null)[];
  /** Features left out of the chart. */
  others: string[];
}

/** Each feature's importance share over the windows, the top ``top`` features by their mean
 * share, with the shift and the model versions per window. */
export function importanceSeries(results: MonitorResult[], axis: WindowAxis, top = 8): ImportanceSeries {
  const n = axis.starts.length;
  const byFeature = new Map<string, (number | null)[]>();
  const raw = new Map<number, Map<string, number>>();
  const shift: (number | null)[] = new Array(n).fill(null);
  const versions: (string | null)[] = new Array(n).fill(null);
  for (const r of results) {
    if (r.kind !== "explanation") continue;
    const col = columnOf(axis, r.window_start);
    if (col === undefined) continue;
    if (isShift(r)) {
      shift[col] = r.value;
      const mv = Object.keys(record(r.detail?.model_versions)).sort((a, b) => Number(a) - Number(b));
      versions[col] = mv.length ? mv.join("+") : null;
    } else if (isImportance(r)) {
      if (!byFeature.has(r.subject)) byFeature.set(r.subject, new Array(n).fill(null));
      const share = numberOr(r.detail?.share);
      byFeature.get(r.subject)![col] = share;
      if (r.value !== null) {
        if (!raw.has(col)) raw.set(col, new Map());
        raw.get(col)!.set(r.subject, r.value);
      }
    }
  }
  // Shares the server left null are computed from the window's importances.
  for (const [col, values] of raw) {
    const total = [...values.values()].reduce((a, b) => a + Math.abs(b), 0);
    if (!(total > 0)) continue;
    for (const [feature, v] of values) {
      const line = byFeature.get(feature)!;
      if (line[col] === null) line[col] = Math.abs(v) / total;
    }
  }
  const mean = (xs: (number | null)[]) => {
    const seen = xs.filter((x): x is number => x !== null);
    return seen.length ? seen.reduce((a, b) => a + b, 0) / seen.length : 0;
  };
  const ranked = [...byFeature.keys()].sort((a, b) => mean(byFeature.get(b)!) - mean(byFeature.get(a)!) || a.localeCompare(b));
  const features = ranked.slice(0, top);
  return { features, shares: features.map((f) => byFeature.get(f)!), shift, versions, others: ranked.slice(top) };
}

/** Windows in which a different set of model versions began scoring than in the window
 * before, for marking on the charts. */
export function versionChanges(versions: (string | null)[]): { index: number; label: string }[] {
  const out: { index: number; label: string }[] = [];
  let last: string | null = null;
  versions.forEach((v, i) => {
    if (v === null) return;
    if (last !== null && v !== last) {
      const names = v.split("+").map((x) => `v${x}`);
      out.push({ index: i, label: `Model ${names.join(" and ")} scored this window (${last.split("+").map((x) => `v${x}`).join(" and ")} before)` });
    }
    last = v;
  });
  return out;
}

/** The latest window (column) with explanation results, or -1. */
export function lastExplained(results: MonitorResult[], axis: WindowAxis): number {
  let last = -1;
  for (const r of results) if (r.kind === "explanation") last = Math.max(last, columnOf(axis, r.window_start) ?? -1);
  return last;
}

// -- in words ----------------------------------------------------------------------------------

/** "SHAP values of the log-odds (exact for this linear model)"; methods joined with "+"
 * (model versions explained differently) are each described. */
export function methodWords(method: string, outputSpace: string): string {
  const space = OUTPUT_SPACES[outputSpace]?.name ?? (outputSpace ? outputSpace.replace(/_/g, " ") : "the score");
  const parts = [...new Set(method.split("+").map((m) => m.trim()).filter(Boolean))];
  if (!parts.length) return `Explanations of ${space}`;
  return parts
    .map((m) => {
      const t = EXPLANATION_METHODS[m];
      return t ? `${t.name} of ${space} (${t.exact})` : `${m} values of ${space}`;
    })
    .join("; ");
}

/** The help text of a method (or methods joined with "+") and its output space. */
export function methodHelp(method: string, outputSpace: string): string {
  const parts = [...new Set(method.split("+").map((m) => m.trim()))];
  const texts = parts.map((m) => EXPLANATION_METHODS[m]?.help).filter((t): t is string => !!t);
  const space = OUTPUT_SPACES[outputSpace]?.help;
  return [...texts, ...(space ? [space] : [])].join(" ");
}

/** The probability an output stands for: the sigmoid of log-odds, a probability itself,
 * null for other predictions. */
export function outputRisk(output: number, outputSpace: string): number | null {
  if (!Number.isFinite(output)) return null;
  if (outputSpace === "log_odds") return 1 / (1 + Math.exp(-output));
  if (outputSpace === "probability") return output;
  return null;
}

/** A feature's value as logged: numbers short, text as is, empty as "missing". */
export function valueText(v: unknown): string {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "missing";
  if (typeof v === "number") return num(v, 4);
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

/** A contribution with its sign: "+0.42", "−1.30", "+0.009", "−<0.001", "0" (no
 * exponents: the readers are not engineers). */
export function signed(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return "–";
  const abs = Math.abs(v);
  if (abs === 0) return "0";
  const text = abs >= 100 ? abs.toFixed(0) : abs >= 10 ** -digits ? abs.toFixed(digits) : abs >= 10 ** -(digits + 1) ? abs.toFixed(digits + 1) : `<${(10 ** -(digits + 1)).toFixed(digits + 1)}`;
  return `${v > 0 ? "+" : "−"}${text}`;
}

/** "+0.42 attendance_rate = 0.05": one input's push and the value that made it. */
export function contributionText(c: Contribution): string {
  return `${signed(c.contribution)} ${c.feature} = ${valueText(c.value)}`;
}

/** A change of share in percentage points: "+3.1 pts", "−0.4 pts". */
export function changeText(change: number | null): string {
  if (change === null || !Number.isFinite(change)) return "–";
  const pts = change * 100;
  const text = Math.abs(pts) >= 10 ? pts.toFixed(0) : pts.toFixed(1);
  if (Number(text) === 0) return "0 pts";
  return `${pts > 0 ? "+" : "−"}${text.replace(/^-/, "")} pts`;
}

export interface ContributionBar extends Contribution {
  /** |contribution| relative to the largest (0..1). */
  size: number;
  direction: "up" | "down" | "none";
}

/** Bars of a prediction's contributions, largest push (up or down) first. */
export function contributionBars(contributions: Contribution[]): ContributionBar[] {
  const sorted = [...contributions].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature));
  const max = Math.max(0, ...sorted.map((c) => Math.abs(c.contribution)));
  return sorted.map((c) => ({
    ...c,
    size: max > 0 ? Math.abs(c.contribution) / max : 0,
    direction: c.contribution > 0 ? "up" : c.contribution < 0 ? "down" : "none",
  }));
}

/** "scored by model version 2" / "versions 1 (400 explained) and 2 (600)". */
export function versionsWords(versions: { version: string; rows: number }[]): string {
  if (!versions.length) return "an unknown model version";
  if (versions.length === 1) return `model version ${versions[0].version}`;
  const parts = versions.map((v) => `${v.version} (${v.rows.toLocaleString("en")} explained)`);
  return `model versions ${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** A risk with one decimal, so that 99.5% is not rounded up to a certain 100%. */
export function riskText(risk: number): string {
  if (!Number.isFinite(risk)) return "–";
  const p = Math.min(100, Math.max(0, risk * 100));
  if (p > 99.9 && p < 100) return ">99.9%";
  if (p > 0 && p < 0.1) return "<0.1%";
  return `${p.toFixed(1)}%`;
}

/** The score of an output in words: a risk for log-odds and probabilities. */
export function outputWords(output: number, outputSpace: string): string {
  const risk = outputRisk(output, outputSpace);
  return risk !== null ? riskText(risk) : num(output);
}
