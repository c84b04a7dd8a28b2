// The alerts inbox's view (filters in the URL, like the runs table's), where an alert came
// from, its history in words, and the small rules every alerts page shares.
import { ApiError } from "../../api/client";
import { formatValue } from "../../components/format";
import { modelPath, monitorPath, runPath, versionPath } from "../../lib/route";
import type { Alert, AlertEvent, AlertState, Severity } from "./api";

export const SEVERITIES: Severity[] = ["critical", "warning", "info"];
export const STATES: AlertState[] = ["firing", "acknowledged", "resolved"];
/** The inbox shows open alerts unless asked otherwise. */
export const OPEN: AlertState[] = ["firing", "acknowledged"];

export const SEVERITY_HELP: Record<Severity, string> = {
  critical: "Critical: needs someone now",
  warning: "Warning: look at it soon",
  info: "Info: for the record",
};

export const STATE_HELP: Record<AlertState, string> = {
  firing: "Firing: the condition holds and nobody has acknowledged it yet",
  acknowledged: "Acknowledged: someone is looking into it; it stays open until resolved",
  resolved: "Resolved: the condition cleared, or someone closed it by hand",
};

export interface InboxView {
  /** Empty: every state. */
  states: AlertState[];
  /** Empty: every severity. */
  severities: Severity[];
  /** On the all-projects inbox: one project, or null. */
  project: string | null;
  rule: string | null;
}

function listOf<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (!raw) return [];
  return raw.split(",").filter((x): x is T => (allowed as readonly string[]).includes(x));
}

export function parseInboxView(search: string): InboxView {
  const params = new URLSearchParams(search);
  const state = params.get("state");
  return {
    states: state === null ? [...OPEN] : state === "any" ? [] : listOf(state, STATES),
    severities: listOf(params.get("severity"), SEVERITIES),
    project: params.get("project") || null,
    rule: params.get("rule") || null,
  };
}

/** The query of a view; the default (open alerts of every severity) is an empty query. */
export function inboxQuery(view: InboxView): Record<string, string> {
  const q: Record<string, string> = {};
  const open = view.states.length === OPEN.length && OPEN.every((s) => view.states.includes(s));
  if (!open) q.state = view.states.length ? STATES.filter((s) => view.states.includes(s)).join(",") : "any";
  if (view.severities.length) q.severity = SEVERITIES.filter((s) => view.severities.includes(s)).join(",");
  if (view.project) q.project = view.project;
  if (view.rule) q.rule = view.rule;
  return q;
}

/** Add or remove one value of a filter list. */
export function toggle<T>(list: T[], value: T): T[] {
  return list.includes(value) ? list.filter((x) => x !== value) : [...list, value];
}

// -- where an alert came from ----------------------------------------------------------------

export interface Source {
  kind: "monitor" | "run";
  label: string;
  href: string;
}

/** The monitor tab that shows a result kind, with the subject selected. */
export function monitorTab(kind: unknown, subject: unknown): Record<string, string> {
  const s = typeof subject === "string" && subject !== "*" ? subject : null;
  switch (kind) {
    case "drift":
      return s ? { tab: "drift", feature: s } : { tab: "drift" };
    case "dataset":
    case "multivariate":
      return { tab: "drift" };
    case "performance":
    case "estimated":
    case "concept":
      return s ? { tab: "performance", segment: s } : { tab: "performance" };
    case "fairness":
      return s ? { tab: "fairness", attribute: s } : { tab: "fairness" };
    case "quality":
      return s ? { tab: "quality", column: s } : { tab: "quality" };
    default:
      return {};
  }
}

export function sourceOf(a: Pick<Alert, "project" | "source">): Source | null {
  const src = a.source ?? {};
  if (typeof src.monitor === "string")
    return { kind: "monitor", label: `monitor ${src.monitor}`, href: monitorPath(a.project, src.monitor, monitorTab(src.kind, src.subject)) };
  if (typeof src.run === "string")
    return { kind: "run", label: `run ${typeof src.run_name === "string" && src.run_name ? src.run_name : src.run}`, href: runPath(src.run) };
  return null;
}

/** An alert's value: numbers as everywhere else, and the wire's "NaN"/"Infinity" as words. */
export function alertValue(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (v === "NaN") return "NaN";
  if (v === "Infinity") return "inf";
  if (v === "-Infinity") return "-inf";
  return formatValue(v);
}

// -- history -----------------------------------------------------------------------------

const EVENT_WORDS: Record<string, string> = {
  fired: "Fired",
  updated: "Value updated",
  acknowledged: "Acknowledged",
  resolved: "Resolved",
  reopened: "Reopened",
  notified: "Notified",
  notify_failed: "Notification failed",
  muted: "Muted: nobody notified",
};

/** One line of an alert's history: "Acknowledged by maria", with the message or note apart. */
export function eventTitle(e: Pick<AlertEvent, "type" | "by">): string {
  const word = EVENT_WORDS[e.type] ?? e.type.replace(/_/g, " ");
  if (e.type === "acknowledged") return `${word} by ${e.by ?? "anonymous"}`;
  if (e.type === "resolved") return e.by ? `${word} by ${e.by}` : `${word} automatically`;
  return e.by ? `${word} (${e.by})` : word;
}

/** What an event says beyond its title: the note someone typed, or the engine's message;
 * null when it only repeats the title ("acknowledged by maria"). */
export function eventNote(e: Pick<AlertEvent, "type" | "by" | "message">): { text: string; quoted: boolean } | null {
  const text = e.message.trim();
  if (!text || text.toLowerCase() === eventTitle(e).toLowerCase() || text.toLowerCase() === `${e.type} by ${e.by ?? ""}`.trim().toLowerCase()) return null;
  return { text, quoted: !!e.by && (e.type === "acknowledged" || e.type === "resolved") };
}

export function eventTone(type: string): "bad" | "good" | "note" {
  if (type === "fired" || type === "notify_failed" || type === "reopened") return "bad";
  if (type === "resolved" || type === "acknowledged" || type === "notified") return "good";
  return "note";
}

// -- rules ---------------------------------------------------------------------------------

export const MUTES: [string, number][] = [
  ["1 hour", 3600],
  ["1 day", 86_400],
  ["1 week", 7 * 86_400],
];

export function muteUntil(seconds: number, now: number = Date.now()): string {
  return new Date(now + seconds * 1000).toISOString();
}

/** A rule is muted while its muted_until lies ahead. */
export function isMuted(mutedUntil: string | null | undefined, now: number = Date.now()): boolean {
  return !!mutedUntil && Date.parse(mutedUntil) > now;
}

/** "in 3 hours", "in 6 days": how long until a time ahead. */
export function formatUntil(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, (Date.parse(iso) - now) / 1000);
  const units: [number, string][] = [[86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.round(seconds / size);
      return `in ${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return "in less than a minute";
}

/** Each rule's newest alert (the inbox is newest first): the rule list's "last state". */
export function latestByRule(alerts: Alert[]): Map<string, Alert> {
  const found = new Map<string, Alert>();
  for (const a of alerts) {
    const key = a.rule_name;
    const seen = found.get(key);
    if (!seen || Date.parse(a.opened_at) > Date.parse(seen.opened_at)) found.set(key, a);
  }
  return found;
}

/** Open alerts per rule name. */
export function openByRule(alerts: Alert[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of alerts) if (a.state !== "resolved") counts.set(a.rule_name, (counts.get(a.rule_name) ?? 0) + 1);
  return counts;
}

/**
 * The form field a server refusal is about: ``details.field`` (``condition.op``,
 * ``target.kind``, ``severity``), a condition's bare ``details.key``, or what a not-found
 * error names (a monitor, a channel).
 */
export function fieldOf(e: unknown): string | null {
  if (!(e instanceof ApiError)) return null;
  const d = e.details ?? {};
  if (typeof d.field === "string") return d.field;
  if (typeof d.key === "string") return `condition.${d.key}`;
  if (typeof d.monitor === "string") return "target.monitor";
  if (typeof d.model === "string") return "target.model";
  if (typeof d.channel === "string") return "channels";
  if (typeof d.position === "number" && /^filter/.test(e.message)) return "target.filter";
  if (/\bname\b/.test(e.message) && e.code === "invalid_argument") return "name";
  if (e.code === "conflict" || e.code === "already_exists") return "name";
  return null;
}

// -- root cause ------------------------------------------------------------------------------

/** Where a root-cause candidate or timeline entry links to, from its ``link`` object: a
 * feature or segment of the monitor, a model version, a dataset version, the monitor. */
export function causeHref(link: Record<string, unknown>, project: string, monitor: string | null): string | null {
  const str = (k: string) => (typeof link[k] === "string" ? (link[k] as string) : null);
  const mon = str("monitor") ?? monitor;
  if (str("feature") && mon) return monitorPath(project, mon, { tab: "drift", feature: str("feature") as string });
  if (str("segment") && mon) {
    const q: Record<string, string> = { tab: "performance", segment: str("segment") as string };
    if (str("metric")) q.metric = str("metric") as string;
    return monitorPath(project, mon, q);
  }
  if (str("model")) return modelPath(str("model") as string);
  if (str("artifact") && typeof link.version === "number") return versionPath(str("project") ?? project, str("artifact") as string, link.version);
  if (str("monitor")) return monitorPath(project, str("monitor") as string);
  return null;
}
