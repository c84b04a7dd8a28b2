// A sweep and its trials, kept live: while the sweep runs (or trials still run) the page
// asks for the sweep every few seconds, and for the trials only when their counts moved.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, getSweep, listTrials, type Sweep, type Trial } from "../../api/client";

export const POLL_MS = 3000;
/** Server analyses (importance, contour) are recomputed at most this often while live. */
export const ANALYSIS_MS = 10_000;

/** What the trial list depends on: when it is unchanged, the trials need no refetch. */
export function trialsSignature(sweep: Pick<Sweep, "total" | "counts">): string {
  return `${sweep.total}|${Object.entries(sweep.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}`;
}

/** True while the page should keep asking: new trials may come (a paused sweep may be
 * resumed elsewhere, e.g. with the CLI) or running ones may end. */
export function isLive(sweep: Pick<Sweep, "state" | "counts">): boolean {
  return sweep.state === "running" || sweep.state === "paused" || (sweep.counts.running ?? 0) > 0 || (sweep.counts.queued ?? 0) > 0;
}

export interface SweepData {
  sweep: Sweep | null;
  trials: Trial[] | null;
  error: ApiError | null;
  /** Bumped when finished trials changed (throttled while live): analyses refetch on it. */
  analysisVersion: number;
  /** Use a sweep the server just answered (after an action) and poll again. */
  accept: (sweep: Sweep) => void;
}

export function useSweep(id: string): SweepData {
  const [sweep, setSweep] = useState<Sweep | null>(null);
  const [trials, setTrials] = useState<Trial[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [analysisVersion, setAnalysisVersion] = useState(0);
  const [kick, setKick] = useState(0);
  const signature = useRef("");
  const analysed = useRef({ finished: -1, at: 0 });

  useEffect(() => {
    const abort = new AbortController();
    let timer: number | undefined;
    const fail = (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    };
    const tick = async () => {
      try {
        const next = await getSweep(id, abort.signal);
        if (abort.signal.aborted) return;
        const sig = trialsSignature(next);
        if (sig !== signature.current) {
          const list = await listTrials(id, abort.signal);
          if (abort.signal.aborted) return;
          signature.current = sig;
          setTrials(list);
        }
        setSweep(next);
        setError(null);
        const finished = next.counts.finished ?? 0;
        const a = analysed.current;
        if (finished !== a.finished && (!isLive(next) || a.finished < 0 || Date.now() - a.at >= ANALYSIS_MS)) {
          analysed.current = { finished, at: Date.now() };
          setAnalysisVersion((v) => v + 1);
        }
        if (isLive(next) || finished !== analysed.current.finished) timer = window.setTimeout(tick, POLL_MS);
      } catch (e) {
        fail(e);
        const gone = e instanceof ApiError && e.status === 404;
        if (!abort.signal.aborted && !gone) timer = window.setTimeout(tick, POLL_MS * 2);
      }
    };
    void tick();
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [id, kick]);

  const accept = (next: Sweep) => {
    setSweep(next);
    setKick((k) => k + 1);
  };
  return { sweep, trials, error, analysisVersion, accept };
}
