// Client-side routes. The server answers every non-API path with index.html.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "projects" }
  | { page: "runs"; project: string }
  | { page: "compare"; project: string }
  | { page: "run"; runId: string }
  | { page: "missing"; path: string };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: "projects" };
  if (parts[0] === "projects" && parts.length === 2) return { page: "runs", project: parts[1] };
  if (parts[0] === "projects" && parts.length === 3 && parts[2] === "compare") return { page: "compare", project: parts[1] };
  if (parts[0] === "runs" && parts.length === 2) return { page: "run", runId: parts[1] };
  return { page: "missing", path: pathname };
}

export function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

export function runPath(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
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
