// A run that refreshes itself while it is running: the page follows training without a
// reload, and stops polling once the run has ended.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getMetricKeys, getRun, type Run } from "../../api/client";

export const LIVE_INTERVAL_MS = 2000;

export interface LiveRun {
  run: Run | null;
  keys: string[];
  error: ApiError | null;
  /** Bumped on every refresh of a live run: charts and console reload with it. */
  tick: number;
  replace: (run: Run) => void;
}

export function useLiveRun(runId: string): LiveRun {
  const [run, setRun] = useState<Run | null>(null);
  const [keys, setKeys] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setRun(null);
    setError(null);
    const poll = async (first: boolean) => {
      try {
        const [next, nextKeys] = await Promise.all([getRun(runId), getMetricKeys(runId)]);
        if (stopped) return;
        setRun(next);
        setKeys((old) => (old.join("\n") === nextKeys.join("\n") ? old : nextKeys));
        if (!first) setTick((t) => t + 1);
        if (next.state === "running") timer = setTimeout(() => void poll(false), LIVE_INTERVAL_MS);
      } catch (e) {
        if (stopped) return;
        // A live page keeps trying through a server restart; a first failure is shown.
        if (first) setError(e instanceof ApiError ? e : new ApiError(0, "client", String(e)));
        else timer = setTimeout(() => void poll(false), LIVE_INTERVAL_MS * 2);
      }
    };
    void poll(true);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId]);

  return { run, keys, error, tick, replace: setRun };
}
