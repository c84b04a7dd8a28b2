// Named views of a project's runs table, kept in this browser. A view is the URL's query
// string, so saving and opening one is exact, and a link to it works anywhere.

export interface SavedView {
  name: string;
  query: string;
}

function storageKey(project: string): string {
  return `headway:views:${project}`;
}

export function listViews(project: string): SavedView[] {
  try {
    const raw = JSON.parse(localStorage.getItem(storageKey(project)) ?? "[]") as SavedView[];
    return Array.isArray(raw) ? raw.filter((v) => typeof v?.name === "string" && typeof v?.query === "string") : [];
  } catch {
    return [];
  }
}

/** Saves (or replaces) a view by name; names are trimmed and must not be empty. */
export function saveView(project: string, name: string, query: string): SavedView[] {
  const clean = name.trim();
  if (!clean) throw new Error("A view needs a name.");
  const views = [...listViews(project).filter((v) => v.name !== clean), { name: clean, query }];
  views.sort((a, b) => a.name.localeCompare(b.name));
  localStorage.setItem(storageKey(project), JSON.stringify(views));
  return views;
}

export function deleteView(project: string, name: string): SavedView[] {
  const views = listViews(project).filter((v) => v.name !== name);
  localStorage.setItem(storageKey(project), JSON.stringify(views));
  return views;
}
