// Alert rules in plain words, and the rule editor's form state to and from the JSON the
// server speaks (a condition's to_dict() form, a target's wire form: docs/alerts.md).
import { KINDS, term, verdictTerm } from "../monitoring/glossary";
import type { Condition, Target } from "./api";

export type ConditionKind = "threshold" | "is_nan" | "change" | "anomaly" | "verdict";

/** The condition kinds, as the editor offers them. */
export const CONDITION_KINDS: [ConditionKind, string, string][] = [
  ["threshold", "Crosses a threshold", "the value goes above or below a line, or leaves or enters a band"],
  ["verdict", "The monitor's verdict", "the monitor itself says drift (or alert, …) for the point"],
  ["change", "Changes from a baseline", "the value moves by more than a share of a baseline: the reference, the previous point, …"],
  ["anomaly", "Is unusual for this series", "the value leaves the band learnt from the series' own past (z-score or EWMA)"],
  ["is_nan", "Is missing (NaN)", "no value, e.g. a training loss that diverged"],
];

/** Every verdict a rule can fire on: a monitor result's, or a run's state (metric ``_state``). */
export const MONITOR_VERDICTS = ["drift", "alert", "standing", "insufficient_data", "ok"];
export const RUN_STATES = ["failed", "crashed", "stalled", "killed", "pruned", "finished", "running"];

export interface ConditionForm {
  kind: ConditionKind;
  op: "above" | "below" | "outside" | "inside";
  value: string;
  low: string;
  high: string;
  direction: "drop" | "rise" | "either";
  /** The relative change in percent (10 means 0.1). */
  relativePct: string;
  baseline: "reference" | "previous" | "first" | "rolling";
  baselineWindows: string;
  method: "zscore" | "ewma";
  window: string;
  k: string;
  warmup: string;
  seasonal: "none" | "day_of_week";
  anomalyDirection: "either" | "above" | "below";
  verdicts: string[];
  forWindows: string;
}

export const DEFAULT_CONDITION: ConditionForm = {
  kind: "threshold",
  op: "above",
  value: "",
  low: "",
  high: "",
  direction: "drop",
  relativePct: "10",
  baseline: "reference",
  baselineWindows: "7",
  method: "zscore",
  window: "20",
  k: "3",
  warmup: "10",
  seasonal: "none",
  anomalyDirection: "either",
  verdicts: ["drift"],
  forWindows: "1",
};

/** A number typed in a field: blank is left out (the server names what is missing). */
function number(text: string): number | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function text(value: unknown, fallback: string): string {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : fallback;
}

function put(out: Condition, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

/** The form as the condition's JSON (only the keys its kind takes). */
export function conditionToWire(f: ConditionForm): Condition {
  const out: Condition = { kind: f.kind };
  if (f.kind === "threshold") {
    out.op = f.op;
    if (f.op === "above" || f.op === "below") put(out, "value", number(f.value));
    else {
      put(out, "low", number(f.low));
      put(out, "high", number(f.high));
    }
  } else if (f.kind === "change") {
    out.direction = f.direction;
    const pct = number(f.relativePct);
    put(out, "relative", pct === undefined ? undefined : +(pct / 100).toPrecision(12));
    out.baseline = f.baseline;
    if (f.baseline === "rolling") put(out, "baseline_windows", number(f.baselineWindows));
  } else if (f.kind === "anomaly") {
    out.method = f.method;
    put(out, "window", number(f.window));
    put(out, "k", number(f.k));
    put(out, "warmup", number(f.warmup));
    out.seasonal = f.seasonal;
    out.direction = f.anomalyDirection;
  } else if (f.kind === "verdict") {
    out.verdicts = [...f.verdicts];
  }
  put(out, "for_windows", number(f.forWindows));
  return out;
}

/** A stored condition as the form (keys it does not have keep the form's defaults). */
export function conditionFromWire(c: Condition): ConditionForm {
  const f: ConditionForm = { ...DEFAULT_CONDITION, verdicts: [...DEFAULT_CONDITION.verdicts] };
  const kind = String(c.kind ?? "threshold") as ConditionKind;
  f.kind = CONDITION_KINDS.some(([k]) => k === kind) ? kind : "threshold";
  if (kind === "threshold") {
    f.op = (c.op as ConditionForm["op"]) ?? "above";
    f.value = text(c.value, "");
    f.low = text(c.low, "");
    f.high = text(c.high, "");
  } else if (kind === "change") {
    f.direction = (c.direction as ConditionForm["direction"]) ?? "drop";
    f.relativePct = typeof c.relative === "number" ? String(+(c.relative * 100).toPrecision(12)) : "";
    f.baseline = (c.baseline as ConditionForm["baseline"]) ?? "reference";
    f.baselineWindows = text(c.baseline_windows, DEFAULT_CONDITION.baselineWindows);
  } else if (kind === "anomaly") {
    f.method = (c.method as ConditionForm["method"]) ?? "zscore";
    f.window = text(c.window, DEFAULT_CONDITION.window);
    f.k = text(c.k, DEFAULT_CONDITION.k);
    f.warmup = text(c.warmup, DEFAULT_CONDITION.warmup);
    f.seasonal = (c.seasonal as ConditionForm["seasonal"]) ?? "none";
    f.anomalyDirection = (c.direction as ConditionForm["anomalyDirection"]) ?? "either";
  } else if (kind === "verdict") {
    f.verdicts = Array.isArray(c.verdicts) ? c.verdicts.map(String) : ["drift"];
  }
  f.forWindows = text(c.for_windows, "1");
  return f;
}

/** The target as sent: only the fields its type uses. */
export function targetToWire(t: Target): Target {
  if (t.type === "runs") {
    const metric = t.metric?.trim() || null;
    return {
      type: "runs",
      filter: t.filter ?? "",
      metric,
      subject: "*",
      group: "*",
      after_step: metric === "_state" ? null : (t.after_step ?? null),
      stall_minutes: metric === "_state" ? (t.stall_minutes ?? null) : null,
    };
  }
  return {
    type: t.type,
    monitor: t.type === "monitor" ? (t.monitor ?? null) : null,
    model: t.type === "model" ? (t.model ?? null) : null,
    kind: t.kind || null,
    subject: t.subject === undefined ? "*" : t.subject,
    group: t.group || "*",
    metric: t.metric || null,
  };
}

export const EMPTY_TARGET: Target = { type: "monitor", monitor: null, kind: null, subject: "*", group: "*", metric: null };

// -- in plain words -------------------------------------------------------------------------

const fmt = (v: unknown): string => (typeof v === "number" ? String(+v.toPrecision(6)) : String(v ?? "?"));

/** What a result kind's subjects are: "each feature", "each segment column", … */
function subjectNoun(kind: string | null | undefined): string {
  if (kind === "drift" || kind === "quality") return "feature";
  if (kind === "fairness") return "sensitive attribute";
  if (kind === "performance" || kind === "estimated") return "segment";
  return "subject";
}

/** "Recall (performance) for course = Data Science", "Feature drift of gpa", … */
export function describeSeries(t: Pick<Target, "kind" | "subject" | "group" | "metric">): string {
  const kind = t.kind ?? "";
  const kindName = KINDS[kind]?.name ?? (kind ? kind.replace(/_/g, " ") : "any result");
  let head = t.metric ? `${term(t.metric).name} (${kindName.toLowerCase()})` : kindName;
  if (t.subject === null) head += `, each ${subjectNoun(kind)} on its own`;
  else if (t.subject && t.subject !== "*") {
    const prep = kind === "fairness" ? "across" : kind === "performance" || kind === "estimated" ? "for" : "of";
    head += ` ${prep} ${t.subject}${t.group && t.group !== "*" ? ` = ${t.group}` : ""}`;
  }
  return head;
}

/** What a rule watches, in a sentence fragment. */
export function describeTarget(t: Target): string {
  if (t.type === "runs") {
    const runs = t.filter ? `runs where ${t.filter}` : "every run";
    if (t.metric === "_state") return `the state of ${runs}${t.stall_minutes ? ` (stalled after ${t.stall_minutes} min of silence)` : ""}`;
    return `${t.metric || "?"} of ${runs}${t.after_step != null ? `, after step ${t.after_step}` : ""}`;
  }
  const series = describeSeries(t);
  if (t.type === "model") return `${series} of ${t.model ?? "?"} (every monitor watching it)`;
  return `${series} in monitor ${t.monitor ?? "?"}`;
}

/** When a rule fires, in a sentence fragment: "above 0.3, 2 windows in a row". */
export function describeCondition(c: Condition, unit = "windows"): string {
  let what: string;
  switch (c.kind) {
    case "threshold":
      what = c.op === "above" || c.op === "below" ? `${c.op} ${fmt(c.value)}` : `${c.op} ${fmt(c.low)} – ${fmt(c.high)}`;
      break;
    case "is_nan":
      what = "missing (NaN)";
      break;
    case "change": {
      const moves = c.direction === "drop" ? "drops" : c.direction === "rise" ? "rises" : "moves";
      const base =
        c.baseline === "reference"
          ? "the reference"
          : c.baseline === "rolling"
            ? `the mean of the ${fmt(c.baseline_windows ?? 1)} before`
            : `the ${String(c.baseline)} value`;
      what = `${moves} by more than ${typeof c.relative === "number" ? fmt(c.relative * 100) : "?"} % from ${base}`;
      break;
    }
    case "anomaly": {
      const over = c.method === "ewma" ? "its exponentially weighted past" : `its last ${fmt(c.window ?? 20)} values`;
      const side = c.direction === "above" ? " (upwards only)" : c.direction === "below" ? " (downwards only)" : "";
      what = `unusual: outside ±${fmt(c.k ?? 3)} standard deviations of ${over}${c.seasonal === "day_of_week" ? " on the same weekday" : ""}${side}`;
      break;
    }
    case "verdict": {
      const verdicts = Array.isArray(c.verdicts) ? c.verdicts.map((v) => verdictTerm(String(v)).name.toLowerCase()) : ["?"];
      what = `the verdict is ${verdicts.join(" or ")}`;
      break;
    }
    default:
      what = String(c.kind);
  }
  const n = typeof c.for_windows === "number" ? c.for_windows : 1;
  return n > 1 ? `${what}, ${n} ${unit} in a row` : what;
}

/** "windows" for monitors, "points" for runs' metrics. */
export function unitOf(t: Pick<Target, "type">): string {
  return t.type === "runs" ? "points" : "windows";
}

// -- the monitor's results as choices ------------------------------------------------------

export interface ResultKey {
  kind: string;
  subject: string;
  group: string;
  metric: string;
}

/** The choices a monitor's latest results offer: kinds, then subjects, groups, metrics. */
export interface Choices {
  kinds: string[];
  subjects: (kind: string) => string[];
  groups: (kind: string, subject: string | null) => string[];
  metrics: (kind: string, subject: string | null, group: string) => string[];
}

const KIND_ORDER = Object.keys(KINDS);

export function choicesOf(results: ResultKey[]): Choices {
  const rows = results.filter((r) => r.metric !== "confusion"); // a matrix, not a number
  const uniq = (xs: string[]) => [...new Set(xs)];
  const kinds = uniq(rows.map((r) => r.kind)).sort((a, b) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b));
  const starFirst = (xs: string[]) => [...xs.filter((x) => x === "*"), ...xs.filter((x) => x !== "*").sort()];
  return {
    kinds,
    subjects: (kind) => starFirst(uniq(rows.filter((r) => r.kind === kind).map((r) => r.subject))),
    groups: (kind, subject) =>
      starFirst(uniq(rows.filter((r) => r.kind === kind && (subject === null ? r.subject !== "*" : r.subject === subject)).map((r) => r.group))),
    metrics: (kind, subject, group) =>
      uniq(
        rows
          .filter((r) => r.kind === kind && (subject === null ? r.subject !== "*" : r.subject === subject) && r.group === group)
          .map((r) => r.metric),
      ).sort(),
  };
}

/** A target kept consistent with the choices after one of its fields changed: a subject,
 * group or metric the new kind does not have falls back to the first one it has. */
export function fitTarget(t: Target, choices: Choices): Target {
  if (t.type === "runs" || choices.kinds.length === 0) return t;
  const kind = t.kind && choices.kinds.includes(t.kind) ? t.kind : choices.kinds[0];
  const subjects = choices.subjects(kind);
  const subject = t.subject === null && subjects.some((s) => s !== "*") ? null : t.subject && subjects.includes(t.subject) ? t.subject : (subjects[0] ?? "*");
  const groups = choices.groups(kind, subject);
  const group = groups.includes(t.group) ? t.group : (groups[0] ?? "*");
  const metrics = choices.metrics(kind, subject, group);
  // Each subject on its own may mix methods (wasserstein for numbers, jensenshannon for
  // categories): "whichever the results carry" (null) is allowed there.
  const metric = t.metric && metrics.includes(t.metric) ? t.metric : subject === null && metrics.length > 1 ? null : (metrics[0] ?? null);
  return { ...t, kind, subject, group, metric };
}
