// Client-side routes. The server answers every non-API path with index.html.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "projects" }
  | { page: "runs"; project: string }
  | { page: "compare"; project: string }
  | { page: "run"; runId: string }
  | { page: "artifacts"; project: string }
  | { page: "artifact"; project: string; name: string }
  | { page: "artifactVersion"; project: string; name: string; version: number }
  | { page: "registry" }
  | { page: "model"; name: string }
  | { page: "monitors"; project: string | null }
  | { page: "monitor"; project: string; name: string }
  | { page: "alerts"; project: string | null }
  | { page: "alert"; project: string; id: number }
  | { page: "alertRules"; project: string }
  | { page: "alertRule"; project: string; name: string | null }
  | { page: "alertChannels"; project: string }
  | { page: "sweeps"; project: string }
  | { page: "sweep"; project: string; id: string }
  | { page: "missing"; path: string };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: "projects" };
  if (parts[0] === "projects" && parts.length === 2) return { page: "runs", project: parts[1] };
  if (parts[0] === "projects" && parts.length === 3 && parts[2] === "compare") return { page: "compare", project: parts[1] };
  if (parts[0] === "runs" && parts.length === 2) return { page: "run", runId: parts[1] };
  if (parts[0] === "projects" && parts[2] === "artifacts") {
    if (parts.length === 3) return { page: "artifacts", project: parts[1] };
    if (parts.length === 4) return { page: "artifact", project: parts[1], name: parts[3] };
    const version = /^v(\d+)$/.exec(parts[5] ?? "");
    if (parts.length === 6 && parts[4] === "v" && version)
      return { page: "artifactVersion", project: parts[1], name: parts[3], version: Number(version[1]) };
  }
  if (parts[0] === "monitors" && parts.length === 1) return { page: "monitors", project: null };
  if (parts[0] === "projects" && parts[2] === "monitors") {
    if (parts.length === 3) return { page: "monitors", project: parts[1] };
    if (parts.length === 4) return { page: "monitor", project: parts[1], name: parts[3] };
  }
  if (parts[0] === "alerts" && parts.length === 1) return { page: "alerts", project: null };
  if (parts[0] === "projects" && parts[2] === "alerts") {
    if (parts.length === 3) return { page: "alerts", project: parts[1] };
    if (parts.length === 4 && /^\d+$/.test(parts[3])) return { page: "alert", project: parts[1], id: Number(parts[3]) };
  }
  if (parts[0] === "projects" && parts[2] === "alert-rules") {
    if (parts.length === 3) return { page: "alertRules", project: parts[1] };
    if (parts.length === 4 && parts[3] === "new") return { page: "alertRule", project: parts[1], name: null };
    if (parts.length === 5 && parts[4] === "edit") return { page: "alertRule", project: parts[1], name: parts[3] };
  }
  if (parts[0] === "projects" && parts[2] === "alert-channels" && parts.length === 3) return { page: "alertChannels", project: parts[1] };
  if (parts[0] === "projects" && parts[2] === "sweeps") {
    if (parts.length === 3) return { page: "sweeps", project: parts[1] };
    if (parts.length === 4) return { page: "sweep", project: parts[1], id: parts[3] };
  }
  if (parts[0] === "registry" && parts.length === 1) return { page: "registry" };
  if (parts[0] === "registry" && parts.length === 2) return { page: "model", name: parts[1] };
  return { page: "missing", path: pathname };
}

export function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

export function runPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

export function artifactsPath(project: string): string {
  return `${projectPath(project)}/artifacts`;
}

export function artifactPath(project: string, name: string): string {
  return `${artifactsPath(project)}/${encodeURIComponent(name)}`;
}

/** A version's page, optionally on a tab with its own query (e.g. ?tab=files&file=a.csv). */
export function versionPath(project: string, name: string, version: number, query?: Record<string, string>): string {
  const params = new URLSearchParams(query);
  const text = params.toString();
  return `${artifactPath(project, name)}/v/v${version}${text ? `?${text}` : ""}`;
}

/** "project/name:v3" (lineage node ids, registry artifact refs) → its parts. */
export function parseVersionRef(ref: string): { project: string; name: string; version: number } | null {
  const match = /^([^/]+)\/(.+):v(\d+)$/.exec(ref);
  return match ? { project: match[1], name: match[2], version: Number(match[3]) } : null;
}

export function registryPath(): string {
  return "/registry";
}

export function modelPath(name: string, query?: Record<string, string>): string {
  const params = new URLSearchParams(query);
  const text = params.toString();
  return `/registry/${encodeURIComponent(name)}${text ? `?${text}` : ""}`;
}

/** Every project's monitors, or one project's. */
export function monitorsPath(project?: string | null): string {
  return project ? `${projectPath(project)}/monitors` : "/monitors";
}

/** A monitor's page, optionally on a tab with its own query (e.g. ?tab=drift&feature=age). */
export function monitorPath(project: string, name: string, query?: Record<string, string>): string {
  const params = new URLSearchParams(query);
  const text = params.toString();
  return `${monitorsPath(project)}/${encodeURIComponent(name)}${text ? `?${text}` : ""}`;
}

function withQuery(path: string, query?: Record<string, string>): string {
  const text = new URLSearchParams(query).toString();
  return `${path}${text ? `?${text}` : ""}`;
}

/** The alerts inbox of every project, or one project's, with its filters in the query. */
export function alertsPath(project?: string | null, query?: Record<string, string>): string {
  return withQuery(project ? `${projectPath(project)}/alerts` : "/alerts", query);
}

export function alertPath(project: string, id: number): string {
  return `${projectPath(project)}/alerts/${id}`;
}

/** A project's alert rules (``?monitor=`` shows the rules about one monitor). */
export function alertRulesPath(project: string, query?: Record<string, string>): string {
  return withQuery(`${projectPath(project)}/alert-rules`, query);
}

/** The rule editor: a new rule (name null, optionally prefilled by the query) or an existing one. */
export function alertRulePath(project: string, name: string | null, query?: Record<string, string>): string {
  return withQuery(name === null ? `${alertRulesPath(project)}/new` : `${alertRulesPath(project)}/${encodeURIComponent(name)}/edit`, query);
}

export function alertChannelsPath(project: string): string {
  return `${projectPath(project)}/alert-channels`;
}

export function sweepsPath(project: string): string {
  return `${projectPath(project)}/sweeps`;
}

export function sweepPath(project: string, id: string): string {
  return `${sweepsPath(project)}/${encodeURIComponent(id)}`;
}

const CHANGE = "headway:navigate";

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.dispatchEvent(new Event(CHANGE));
}

/** The current location; re-renders on links, back and forward. */
export function useLocation(): { pathname: string; search: string } {
  const read = () => ({ pathname: location.pathname, search: location.search });
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const update = () => setWhere(read());
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return where;
}

/** Follow a link inside the app without reloading; modified clicks keep the browser's way. */
export function onLinkClick(event: MouseEvent, url: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(url);
}
