// The analyses the server computes from a sweep's trials: parameter importance (fANOVA or
// a random forest) and a metric's contour over two numeric parameters.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, getSweepContour, getSweepImportance, type ImportanceMethod, type SweepContour, type SweepImportance, type SweepMetric, type Trial } from "../../api/client";
import { Message } from "../../components/Message";
import { ColorKey, ContourPlot, type ContourPoint } from "./ContourPlot";
import { gridRange, valueOf, type ParamInfo } from "./transforms";

/** A server analysis, fetched again when ``key`` changes (new trials finished). */
function useAnalysis<T>(load: (signal: AbortSignal) => Promise<T>, key: string): { data: T | null; error: ApiError | null; loading: boolean } {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: true });
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data, error: null, loading: false }),
      (e: unknown) => !abort.signal.aborted && setState({ data: null, error: e instanceof ApiError ? e : new ApiError(0, "error", String(e)), loading: false }),
    );
    return () => abort.abort();
  }, [key]);
  return state;
}

const METHOD_NAMES: Record<ImportanceMethod, string> = { fanova: "fANOVA", random_forest: "Random forest" };

export function ImportancePanel(props: { sweepId: string; metric: SweepMetric; version: number }) {
  const [method, setMethod] = useState<ImportanceMethod>("fanova");
  const { data, error, loading } = useAnalysis<SweepImportance>(
    (signal) => getSweepImportance(props.sweepId, props.metric.name, method, signal),
    `${props.sweepId}/${props.metric.name}/${method}/${props.version}`,
  );
  const top = Math.max(...(data?.params ?? []).map((p) => p.importance), 1e-9);
  return (
    <div>
      <div class="sw-switch" role="radiogroup" aria-label="Importance method">
        {(Object.keys(METHOD_NAMES) as ImportanceMethod[]).map((m) => (
          <button
            type="button"
            role="radio"
            aria-checked={m === method}
            class={`sw-switch-option${m === method ? " current" : ""}`}
            key={m}
            onClick={() => setMethod(m)}
            title={m === "fanova" ? "Functional ANOVA: the share of the result's variance each parameter explains" : "How much each parameter's splits reduce a random forest's error"}
          >
            {METHOD_NAMES[m]}
          </button>
        ))}
        {loading && data ? <span class="muted sw-small">updating…</span> : null}
      </div>
      {error ? <Message kind="info" title="No importance yet">{error.message}</Message> : null}
      {!data && !error ? <p class="loading">Computing on the server…</p> : null}
      {data && data.params.length === 0 ? (
        <p class="muted">
          Importance needs at least two finished trials that tried different settings ({data.trials} finished so far).
        </p>
      ) : null}
      {data && data.params.length > 0 ? (
        <table class="importance sw-importance" aria-label={`Parameter importance for ${data.metric}`}>
          <thead>
            <tr>
              <th>Parameter</th>
              <th>Share of the effect on {data.metric}</th>
            </tr>
          </thead>
          <tbody>
            {data.params.map((p) => (
              <tr key={p.param}>
                <td>{p.param}</td>
                <td>
                  <span class="bar" data-importance={p.importance} style={{ width: `${(p.importance / top) * 70}%` }} />
                  <span class="num">{(p.importance * 100).toFixed(1)}%</span>
                </td>
              </tr>
            ))}
          </tbody>
          <caption class="muted">
            {METHOD_NAMES[data.method as ImportanceMethod] ?? data.method}, from {data.trials.toLocaleString("en")} finished trials.
          </caption>
        </table>
      ) : null}
    </div>
  );
}

export function ContourPanel(props: { sweepId: string; metric: SweepMetric; params: ParamInfo[]; trials: Trial[]; bestNumber: number | null; version: number; onOpen: (trial: number) => void }) {
  const names = props.params.map((p) => p.name);
  const [x, setX] = useState(names[0] ?? "");
  const [y, setY] = useState(names[1] ?? "");
  const xp = names.includes(x) ? x : names[0];
  const yp = names.includes(y) && y !== xp ? y : names.find((n) => n !== xp) ?? "";
  const { data, error } = useAnalysis<SweepContour>(
    (signal) => getSweepContour(props.sweepId, xp, yp, props.metric.name, signal),
    `${props.sweepId}/${props.metric.name}/${xp}/${yp}/${props.version}`,
  );
  const points = useMemo<ContourPoint[]>(
    () =>
      props.trials.flatMap((t) => {
        const vx = t.params[xp];
        const vy = t.params[yp];
        const v = valueOf(t, 0);
        if (t.state !== "finished" || typeof vx !== "number" || typeof vy !== "number" || v === null) return [];
        return [{ trial: t.number, x: vx, y: vy, value: v, best: t.number === props.bestNumber }];
      }),
    [props.trials, xp, yp, props.bestNumber],
  );
  const range = data ? gridRange(data.z) : null;
  const pick = (label: string, value: string, set: (v: string) => void, other: string) => (
    <label>
      {label}{" "}
      <select aria-label={`Contour ${label}`} value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
        {names.map((n) => (
          <option value={n} key={n} disabled={n === other}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div>
      <div class="section-tools">
        {pick("x", xp, setX, yp)}
        {pick("y", yp, setY, xp)}
      </div>
      {error ? <Message kind="info" title="No contour for these parameters">{error.message}</Message> : null}
      {!data && !error ? <p class="loading">Computing on the server…</p> : null}
      {data && data.x.length === 0 ? <p class="muted">A contour needs at least three finished trials.</p> : null}
      {data && data.x.length > 0 ? (
        <>
          <ContourPlot
            grid={data}
            points={points}
            onOpen={(p) => props.onOpen(p.trial)}
          />
          {range ? <ColorKey low={range[0]} high={range[1]} metric={data.metric} goal={props.metric.goal} /> : null}
        </>
      ) : null}
    </div>
  );
}
