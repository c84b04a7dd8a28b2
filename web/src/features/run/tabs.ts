// The run page's tabs live in the URL (?tab=console), so each view can be linked to.
import { runPath } from "../../lib/route";

export const TABS = ["overview", "charts", "system", "console", "files", "artifacts"] as const;
export type Tab = (typeof TABS)[number];

export const TAB_TITLES: Record<Tab, string> = {
  overview: "Overview",
  charts: "Charts",
  system: "System",
  console: "Console",
  files: "Files",
  artifacts: "Artifacts",
};

export function parseTab(search: string): { tab: Tab; file: string | null } {
  const params = new URLSearchParams(search);
  const raw = params.get("tab") ?? "overview";
  const tab = (TABS as readonly string[]).includes(raw) ? (raw as Tab) : "overview";
  return { tab, file: params.get("file") };
}

export function tabPath(runId: string, tab: Tab, file?: string): string {
  const params = new URLSearchParams();
  if (tab !== "overview") params.set("tab", tab);
  if (file) params.set("file", file);
  const query = params.toString();
  return runPath(runId) + (query ? `?${query}` : "");
}
