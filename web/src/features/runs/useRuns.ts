// A project's runs matching a filter, in the API's order: the first page paints at once,
// the rest streams in behind it.
import { useEffect, useState } from "preact/hooks";
import { ApiError, searchRuns, type Run } from "../../api/client";

/** Runs per request: the first page paints at once, the rest streams in behind it. */
const FIRST_PAGE = 200;
const NEXT_PAGES = 2000;

export interface Loaded {
  runs: Run[];
  total: number;
  done: boolean;
}

export function useRuns(project: string, filter: string, order: string[]) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const key = JSON.stringify([project, filter, order]);
  useEffect(() => {
    let cancelled = false;
    setError(null);
    (async () => {
      const runs: Run[] = [];
      let cursor: string | null = null;
      let limit = FIRST_PAGE;
      for (;;) {
        const page = await searchRuns(project, { filter, order, limit, cursor, include_deleted: false });
        if (cancelled) return;
        runs.push(...page.runs);
        cursor = page.next_cursor ?? null;
        setLoaded({ runs: [...runs], total: page.total, done: cursor === null });
        if (cursor === null) return;
        limit = NEXT_PAGES;
      }
    })().catch((e: ApiError) => {
      if (!cancelled) setError(e);
    });
    return () => {
      cancelled = true;
    };
  }, [key]);
  return { loaded, error };
}

