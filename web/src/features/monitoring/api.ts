// The monitoring part of the REST API, typed from the server's OpenAPI schema.
import { API, ApiError, userHeaders } from "../../api/client";
import type { components } from "../../api/schema";

export type Monitor = components["schemas"]["MonitorOut"];
export type MonitorSpec = components["schemas"]["MonitorSpecOut"];
export type MonitorWindow = components["schemas"]["WindowOut"];
export type MonitorResult = components["schemas"]["ResultOut"];
export type ModelVersion = components["schemas"]["ModelVersionOut"];
/** Why one logged prediction came out as it did (``GET …/explain?id=``). */
export type Explanation = components["schemas"]["ExplanationOut"];
export type Contribution = components["schemas"]["ContributionOut"];
type ErrorBody = components["schemas"]["ErrorBody"];

/** A logged prediction as the audit trail returns it: ``__id``, ``__ts``, ``__mv``,
 * ``__label`` and the monitor's input, prediction and label columns. */
export type AuditRow = Record<string, string | number | boolean | null>;

export type ResultKind =
  | "drift"
  | "dataset"
  | "multivariate"
  | "quality"
  | "performance"
  | "estimated"
  | "fairness"
  | "concept"
  | "volume"
  | "explanation";

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(API + path, { headers: userHeaders(), signal });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new ApiError(0, "unreachable", `The Headway server cannot be reached (${String(cause)}).`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
    throw new ApiError(
      response.status,
      body?.error.code ?? "http_error",
      body?.error.message ?? `The server answered ${response.status} ${response.statusText}.`,
      body?.error.details ?? {},
    );
  }
  return (await response.json()) as T;
}

function monitorBase(project: string, name: string): string {
  return `/projects/${encodeURIComponent(project)}/monitors/${encodeURIComponent(name)}`;
}

/** Every project's monitors, or one project's. */
export function listMonitors(project: string | null, signal?: AbortSignal): Promise<Monitor[]> {
  const path = project ? `/projects/${encodeURIComponent(project)}/monitors` : "/monitors";
  return get<components["schemas"]["MonitorList"]>(path, signal).then((r) => r.monitors);
}

export function getMonitor(project: string, name: string, signal?: AbortSignal): Promise<Monitor> {
  return get<Monitor>(monitorBase(project, name), signal);
}

/** Computed windows, oldest first. */
export function listWindows(project: string, name: string, signal?: AbortSignal): Promise<MonitorWindow[]> {
  return get<components["schemas"]["WindowList"]>(`${monitorBase(project, name)}/windows`, signal).then((r) =>
    [...r.windows].sort((a, b) => Date.parse(a.start) - Date.parse(b.start)),
  );
}

export interface ResultQuery {
  kinds?: ResultKind[];
  subject?: string;
  /** ISO time: results of windows starting at or after it. */
  start?: string;
  end?: string;
  /** "summary": without the drift rows' histograms, which are most of the bytes. */
  detail?: "summary";
}

export function resultsQuery(query: ResultQuery): string {
  const params = new URLSearchParams();
  for (const kind of query.kinds ?? []) params.append("kind", kind);
  if (query.subject) params.set("subject", query.subject);
  if (query.start) params.set("start", query.start);
  if (query.end) params.set("end", query.end);
  if (query.detail) params.set("detail", query.detail);
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function getResults(project: string, name: string, query: ResultQuery, signal?: AbortSignal): Promise<MonitorResult[]> {
  return get<components["schemas"]["ResultList"]>(`${monitorBase(project, name)}/results${resultsQuery(query)}`, signal).then(
    (r) => r.results,
  );
}

/** What the model predicted for these ids (optionally by one model version). */
export function getAudit(project: string, name: string, ids: string[], modelVersion: number | null, signal?: AbortSignal): Promise<AuditRow[]> {
  const params = new URLSearchParams();
  for (const id of ids) params.append("id", id);
  if (modelVersion !== null) params.set("model_version", String(modelVersion));
  return get<{ rows: AuditRow[] }>(`${monitorBase(project, name)}/audit.json?${params.toString()}`, signal).then((r) => r.rows);
}

/** Why the model scored a logged prediction as it did: each input's contribution (SHAP),
 * by the model version that made it (optionally one version's prediction). */
export function getExplanation(project: string, name: string, id: string, modelVersion: number | null, signal?: AbortSignal): Promise<Explanation> {
  const params = new URLSearchParams({ id });
  if (modelVersion !== null) params.set("model_version", String(modelVersion));
  return get<Explanation>(`${monitorBase(project, name)}/explain?${params.toString()}`, signal);
}

/** A registered model's version by number or alias (for its training run). */
export function getModelVersion(model: string, selector: string | number, signal?: AbortSignal): Promise<ModelVersion> {
  return get<ModelVersion>(`/registry/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(String(selector))}`, signal);
}
