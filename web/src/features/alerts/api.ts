// The alerting part of the REST API (docs/alerts.md), typed from the server's OpenAPI schema.
import { API, ApiError, userHeaders } from "../../api/client";
import type { components } from "../../api/schema";

type S = components["schemas"];
export type Alert = S["AlertOut"];
export type AlertEvent = S["AlertEventOut"];
export type Notification = S["NotificationOut"];
export type Rule = S["RuleOut"];
export type RuleIn = S["RuleIn"];
export type RulePatch = S["RulePatch"];
export type Target = S["TargetWire"];
export type Preview = S["PreviewOut"];
export type Channel = S["ChannelOut"];
export type ChannelIn = S["ChannelIn"];
export type ChannelTest = S["ChannelTestOut"];
export type Severity = Alert["severity"];
export type AlertState = Alert["state"];
export type Condition = Record<string, unknown>;

/** What an alert's page shows under "Root cause" (``GET /alerts/{id}/root-cause``). */
export type RootCause = S["RootCauseOut"];

type ErrorBody = S["ErrorBody"];

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(API + path, {
      ...init,
      headers: { "Content-Type": "application/json", ...userHeaders(), ...(init.headers ?? {}) },
    });
  } catch (cause) {
    if (init.signal?.aborted) throw cause;
    throw new ApiError(0, "unreachable", `The Headway server cannot be reached (${String(cause)}).`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
    throw new ApiError(
      response.status,
      body?.error?.code ?? "http_error",
      body?.error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      body?.error?.details ?? {},
    );
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const post = (body: unknown, signal?: AbortSignal): RequestInit => ({ method: "POST", body: JSON.stringify(body), signal });
const enc = encodeURIComponent;

// -- the inbox ------------------------------------------------------------------------------

export interface AlertQuery {
  project?: string | null;
  states?: string[];
  severities?: string[];
  rule?: string | null;
  limit?: number;
}

export function alertsQuery(q: AlertQuery): string {
  const params = new URLSearchParams();
  if (q.project) params.set("project", q.project);
  for (const s of q.states ?? []) params.append("state", s);
  for (const s of q.severities ?? []) params.append("severity", s);
  if (q.rule) params.set("rule", q.rule);
  if (q.limit) params.set("limit", String(q.limit));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Newest first. */
export function listAlerts(q: AlertQuery, signal?: AbortSignal): Promise<Alert[]> {
  return request<S["AlertList"]>(`/alerts${alertsQuery(q)}`, { signal }).then((r) => r.alerts);
}

export function getAlert(id: number, signal?: AbortSignal): Promise<Alert> {
  return request<Alert>(`/alerts/${id}`, { signal });
}

/** Oldest first. */
export function alertEvents(id: number, signal?: AbortSignal): Promise<AlertEvent[]> {
  return request<S["AlertEventList"]>(`/alerts/${id}/events`, { signal }).then((r) => r.events);
}

export function alertNotifications(id: number, signal?: AbortSignal): Promise<Notification[]> {
  return request<S["NotificationList"]>(`/alerts/${id}/notifications`, { signal }).then((r) => r.notifications);
}

/** The root-cause analysis, or null from a server without it (404, 405). */
export async function alertRootCause(id: number, signal?: AbortSignal): Promise<RootCause | null> {
  try {
    return await request<RootCause>(`/alerts/${id}/root-cause`, { signal });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export function acknowledgeAlert(id: number, note: string): Promise<Alert> {
  return request<Alert>(`/alerts/${id}/acknowledge`, post({ note }));
}

export function resolveAlert(id: number, note: string): Promise<Alert> {
  return request<Alert>(`/alerts/${id}/resolve`, post({ note }));
}

// -- rules ----------------------------------------------------------------------------------

const rulesBase = (project: string) => `/projects/${enc(project)}/alert-rules`;

export function listRules(project: string, signal?: AbortSignal): Promise<Rule[]> {
  return request<S["RuleList"]>(rulesBase(project), { signal }).then((r) => r.rules);
}

export function getRule(project: string, name: string, signal?: AbortSignal): Promise<Rule> {
  return request<Rule>(`${rulesBase(project)}/${enc(name)}`, { signal });
}

export function saveRule(project: string, body: RuleIn): Promise<Rule> {
  return request<Rule>(rulesBase(project), post(body));
}

export function patchRule(project: string, name: string, patch: RulePatch): Promise<Rule> {
  return request<Rule>(`${rulesBase(project)}/${enc(name)}`, { method: "PATCH", body: JSON.stringify(patch) });
}

export function deleteRule(project: string, name: string): Promise<void> {
  return request<void>(`${rulesBase(project)}/${enc(name)}`, { method: "DELETE" });
}

export function previewRule(project: string, target: Target, condition: Condition, last: number, signal?: AbortSignal): Promise<Preview[]> {
  return request<S["PreviewList"]>(`${rulesBase(project)}/preview`, post({ target, condition, last }, signal)).then((r) => r.previews);
}

// -- channels -------------------------------------------------------------------------------

const channelsBase = (project: string) => `/projects/${enc(project)}/alert-channels`;

export function listChannels(project: string, signal?: AbortSignal): Promise<Channel[]> {
  return request<S["ChannelList"]>(channelsBase(project), { signal }).then((r) => r.channels);
}

export function createChannel(project: string, body: ChannelIn): Promise<Channel> {
  return request<Channel>(channelsBase(project), post(body));
}

export function setChannelEnabled(project: string, name: string, enabled: boolean): Promise<Channel> {
  return request<Channel>(`${channelsBase(project)}/${enc(name)}`, { method: "PATCH", body: JSON.stringify({ enabled }) });
}

export function deleteChannel(project: string, name: string): Promise<void> {
  return request<void>(`${channelsBase(project)}/${enc(name)}`, { method: "DELETE" });
}

export function testChannel(project: string, name: string): Promise<ChannelTest> {
  return request<ChannelTest>(`${channelsBase(project)}/${enc(name)}/test`, { method: "POST" });
}

/** Pages that change alerts tell the top bar's badge to count again. */
export const ALERTS_CHANGED = "headway:alerts-changed";

export function announceAlertsChanged(): void {
  window.dispatchEvent(new Event(ALERTS_CHANGED));
}
