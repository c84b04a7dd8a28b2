// A runs-table view lives in the URL's query string, so a link reproduces it exactly.

export interface SortKey {
  column: string;
  descending: boolean;
}

export interface ViewState {
  filter: string;
  sort: SortKey[];
  columns: string[];
  selected: string[];
  /** A config key the table is grouped by, or "". */
  group: string;
  /** The run every other one is compared against. */
  baseline: string;
  /** Runs left out of charts and comparisons. */
  hidden: string[];
}

export const EMPTY_VIEW: ViewState = { filter: "", sort: [], columns: [], selected: [], group: "", baseline: "", hidden: [] };

function list(value: string | null): string[] {
  return value ? value.split(",").filter((part) => part.length > 0) : [];
}

export function parseView(search: string): ViewState {
  const params = new URLSearchParams(search);
  return {
    filter: params.get("filter") ?? "",
    sort: list(params.get("sort")).map((key) =>
      key.startsWith("-") ? { column: key.slice(1), descending: true } : { column: key, descending: false },
    ),
    columns: list(params.get("columns")),
    selected: list(params.get("selected")),
    group: params.get("group") ?? "",
    baseline: params.get("baseline") ?? "",
    hidden: list(params.get("hidden")),
  };
}

export function formatView(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.filter) params.set("filter", view.filter);
  if (view.sort.length) params.set("sort", sortParam(view.sort).join(","));
  if (view.columns.length) params.set("columns", view.columns.join(","));
  if (view.selected.length) params.set("selected", view.selected.join(","));
  if (view.group) params.set("group", view.group);
  if (view.baseline) params.set("baseline", view.baseline);
  if (view.hidden.length) params.set("hidden", view.hidden.join(","));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The API's order list: `-` marks a descending key. */
export function sortParam(sort: SortKey[]): string[] {
  return sort.map((key) => (key.descending ? `-${key.column}` : key.column));
}

/**
 * A click on a column header: a plain click sorts by that column alone (ascending, then
 * descending, then not at all); with Shift it adds or cycles the column among the keys.
 */
export function toggleSort(sort: SortKey[], column: string, additive: boolean): SortKey[] {
  const current = sort.find((key) => key.column === column);
  const next: SortKey | null = !current
    ? { column, descending: false }
    : !current.descending
      ? { column, descending: true }
      : null;
  if (!additive) return next ? [next] : [];
  const others = sort.filter((key) => key.column !== column);
  if (!next) return others;
  return current ? sort.map((key) => (key.column === column ? next : key)) : [...sort, next];
}
