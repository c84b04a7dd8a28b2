// Results of a monitor, fetched once per query and kept while the page is open, so moving
// between tabs and windows does not download them again.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { getResults, resultsQuery, type MonitorResult, type ResultQuery } from "./api";

const cache = new Map<string, Promise<MonitorResult[]>>();
const MAX_ENTRIES = 24;

/** ``version`` (e.g. the monitor's computed_at) changes when new results were computed. */
export function loadResults(project: string, name: string, query: ResultQuery, version: string): Promise<MonitorResult[]> {
  const key = `${project}\u0000${name}\u0000${version}\u0000${resultsQuery(query)}`;
  let found = cache.get(key);
  if (!found) {
    found = getResults(project, name, query);
    found.catch(() => cache.delete(key));
    cache.set(key, found);
    if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  }
  return found;
}

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
}

export function useResults(project: string, name: string, query: ResultQuery | null, version: string): Loaded<MonitorResult[]> {
  const [state, setState] = useState<Loaded<MonitorResult[]> & { key: string }>({ data: null, error: null, key: "" });
  const key = query ? resultsQuery(query) : "";
  useEffect(() => {
    if (!query) return;
    let live = true;
    setState((s) => (s.key === key ? s : { data: null, error: null, key }));
    loadResults(project, name, query, version).then(
      (data) => live && setState({ data, error: null, key }),
      (e: unknown) => live && setState({ data: null, error: e instanceof ApiError ? e : new ApiError(0, "error", String(e)), key }),
    );
    return () => {
      live = false;
    };
  }, [project, name, key, version]);
  return state.key === key ? state : { data: null, error: null };
}
