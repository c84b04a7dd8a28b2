// Compare any number of runs: what differs (against the pinned baseline), their curves
// overlaid, parallel coordinates and a scatter across runs, and which config keys matter
// for a chosen metric (computed by the server).
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, getImportance, type ImportanceIn, type ImportanceOut, type Run } from "../../api/client";
import { ParallelCoordinates } from "../../charts/ParallelCoordinates";
import { PanelGrid } from "../../charts/PanelGrid";
import type { PlotRun } from "../../charts/PlotPoint";
import { Scatter } from "../../charts/Scatter";
import type { ChartRun } from "../../charts/usePanelData";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatValue } from "../../components/format";
import { runColor } from "../../lib/colors";
import { navigate, projectPath, runPath } from "../../lib/route";
import { EMPTY_VIEW, formatView, parseView, sortParam, type ViewState } from "../../lib/viewState";
import { cellValue } from "../runs/columns";
import { useRuns } from "../runs/useRuns";
import { allKeys, differingKeys, numericKeys, versus } from "./diff";

/** Columns on the parallel-coordinates plot besides the target. */
const MAX_AXES = 8;
const MAX_DIFF_COLUMNS = 200;

export function compareFilter(view: ViewState): string {
  return view.selected.length ? `id in [${view.selected.map((id) => JSON.stringify(id)).join(", ")}]` : view.filter;
}

export function ComparePage(props: { project: string; search: string }) {
  const view = parseView(props.search);
  const { loaded, error } = useRuns(props.project, compareFilter(view), sortParam(view.sort));
  const hidden = new Set(view.hidden);
  const runs = useMemo(() => (loaded?.runs ?? []).filter((r) => !hidden.has(r.id)), [loaded, view.hidden.join(",")]);
  const baseline = runs.find((r) => r.id === view.baseline);
  const setView = (next: Partial<ViewState>) => navigate(location.pathname + formatView({ ...view, ...next }), true);
  const back = projectPath(props.project) + formatView({ ...EMPTY_VIEW, filter: view.filter, selected: view.selected, baseline: view.baseline, hidden: view.hidden, columns: view.columns, group: view.group });

  if (error) return <Message kind="error" title="The runs could not be loaded">{error.message}</Message>;
  if (!loaded) return <p class="loading">Loading runs…</p>;
  return (
    <section class="compare-page">
      <p class="crumbs">
        <Link href={back}>{props.project}</Link> /
      </p>
      <header class="page-head">
        <h1>Compare {runs.length.toLocaleString()} runs</h1>
        {!loaded.done ? <span class="muted">loading {loaded.runs.length.toLocaleString()} of {loaded.total.toLocaleString()}…</span> : null}
        <label class="baseline-pick">
          Baseline{" "}
          <select aria-label="Baseline run" value={baseline?.id ?? ""} onChange={(e) => setView({ baseline: (e.target as HTMLSelectElement).value })}>
            <option value="">none</option>
            {runs.slice(0, 500).map((r) => (
              <option value={r.id} key={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      {runs.length < 2 ? (
        <Message kind="info" title="Pick at least two runs to compare">
          Select runs with the checkboxes in the runs table, or compare every run a filter shows.
        </Message>
      ) : (
        <>
          <DiffSection runs={runs} baseline={baseline} />
          <AcrossRuns project={props.project} runs={runs} filter={compareFilter(view)} selected={view.selected.length > 0} />
          <section>
            <h2>Curves</h2>
            <CompareCharts project={props.project} runs={runs} />
          </section>
        </>
      )}
    </section>
  );
}

function DiffSection(props: { runs: Run[]; baseline: Run | undefined }) {
  const [onlyDiff, setOnlyDiff] = useState(true);
  const keys = useMemo(() => allKeys(props.runs.slice(0, 2000)), [props.runs]);
  const differing = useMemo(() => differingKeys(props.runs, keys), [props.runs, keys]);
  const shownKeys = (onlyDiff ? differing : keys).slice(0, MAX_DIFF_COLUMNS);
  const rows = props.baseline ? [props.baseline, ...props.runs.filter((r) => r !== props.baseline)] : props.runs;
  const columns: Column<Run>[] = [
    {
      key: "name",
      title: "Run",
      width: 220,
      render: (run) => (
        <span class="select-cell">
          <span class="run-dot" style={{ background: runColor(run.id) }} />
          <Link href={runPath(run.id)}>{run.name}</Link>
          {run === props.baseline ? <span class="badge">baseline</span> : null}
        </span>
      ),
    },
    ...shownKeys.map(
      (key): Column<Run> => ({
        key,
        title: key,
        width: 150,
        render: (run) => {
          const vs = versus(run, props.baseline, key);
          const value = cellValue(run, key);
          return (
            <span class={`num diff-${vs.kind}`} title={vs.delta !== null ? `${vs.delta > 0 ? "+" : ""}${vs.delta} vs baseline` : undefined}>
              {value === undefined ? <span class="muted">—</span> : formatValue(value)}
              {vs.delta !== null ? <small> {vs.delta > 0 ? "+" : ""}{formatValue(vs.delta)}</small> : null}
            </span>
          );
        },
      }),
    ),
  ];
  return (
    <section class="diff-section">
      <h2>Config and summary</h2>
      <div class="section-tools">
        <label>
          <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff((e.target as HTMLInputElement).checked)} /> Only differences
        </label>
        <span class="muted">
          {differing.length} of {keys.length} keys differ{keys.length > MAX_DIFF_COLUMNS && !onlyDiff ? ` (first ${MAX_DIFF_COLUMNS} shown)` : ""}
          {props.baseline ? ` · values against ${props.baseline.name}: higher, lower, changed` : " · pin a baseline to see each run against it"}
        </span>
      </div>
      {shownKeys.length ? (
        <VirtualTable label="Differences between runs" rows={rows} columns={columns} rowKey={(r) => r.id} height={Math.min(420, 34 + rows.length * 32 + 16)} onOpen={(run) => navigate(runPath(run.id))} rowClass={(r) => (r === props.baseline ? "baseline-row" : "")} />
      ) : (
        <p class="muted">These runs have the same config and summary.</p>
      )}
    </section>
  );
}

function AcrossRuns(props: { project: string; runs: Run[]; filter: string; selected: boolean }) {
  const { runs } = props;
  const keys = useMemo(() => allKeys(runs.slice(0, 2000)), [runs]);
  const configKeys = useMemo(() => differingKeys(runs, keys.filter((k) => k.startsWith("config."))), [runs, keys]);
  const metrics = useMemo(() => numericKeys(runs, keys.filter((k) => k.startsWith("summary."))), [runs, keys]);
  const numeric = useMemo(() => numericKeys(runs, keys), [runs, keys]);
  const [target, setTarget] = useState("");
  const chosenTarget = metrics.includes(target) ? target : (metrics.find((m) => /val|test/.test(m)) ?? metrics[0] ?? "");
  const [x, setX] = useState("");
  const [y, setY] = useState("");
  const scatterX = keys.includes(x) ? x : (configKeys.find((k) => numeric.includes(k)) ?? configKeys[0] ?? keys[0] ?? "");
  const scatterY = keys.includes(y) ? y : chosenTarget;
  const plotRuns: PlotRun[] = useMemo(() => runs.map((r) => ({ id: r.id, name: r.name, color: runColor(r.id) })), [runs]);
  const values = (key: string) => runs.map((r) => cellValue(r, key));
  const axes = useMemo(() => {
    const usable = configKeys.filter((k) => new Set(values(k).map((v) => JSON.stringify(v))).size <= 50 || numeric.includes(k));
    return [...usable.slice(0, MAX_AXES), chosenTarget].filter(Boolean).map((key) => ({ key, values: values(key) }));
  }, [runs, configKeys.join(","), chosenTarget]);
  const open = (run: PlotRun) => navigate(runPath(run.id));

  if (!metrics.length) return <p class="muted">No numeric summary values to compare across runs yet.</p>;
  return (
    <section class="across">
      <h2>Across runs</h2>
      <div class="section-tools">
        <label>
          Metric{" "}
          <select aria-label="Target metric" value={chosenTarget} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
            {metrics.map((m) => (
              <option value={m} key={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="across-grid">
        <div class="across-wide">
          <h3>Parallel coordinates</h3>
          {axes.length >= 2 ? <ParallelCoordinates runs={plotRuns} columns={axes} onOpen={open} /> : <p class="muted">No config key differs between these runs.</p>}
        </div>
        <div>
          <h3>Scatter</h3>
          <div class="section-tools">
            <select aria-label="Scatter x" value={scatterX} onChange={(e) => setX((e.target as HTMLSelectElement).value)}>
              {keys.map((k) => <option value={k} key={k}>{k}</option>)}
            </select>
            <span class="muted">against</span>
            <select aria-label="Scatter y" value={scatterY} onChange={(e) => setY((e.target as HTMLSelectElement).value)}>
              {keys.map((k) => <option value={k} key={k}>{k}</option>)}
            </select>
          </div>
          <Scatter runs={plotRuns} x={{ key: scatterX, values: values(scatterX) }} y={{ key: scatterY, values: values(scatterY) }} onOpen={open} />
        </div>
        <div>
          <h3>Parameter importance for {chosenTarget}</h3>
          <Importance project={props.project} target={chosenTarget} runs={runs} filter={props.filter} selected={props.selected} />
        </div>
      </div>
    </section>
  );
}

function Importance(props: { project: string; target: string; runs: Run[]; filter: string; selected: boolean }) {
  const [result, setResult] = useState<ImportanceOut | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const ids = props.runs.map((r) => r.id);
  // A selection, or up to 2,000 runs, goes as ids; a larger filtered set as its filter
  // (which then also counts the runs hidden here).
  const request: ImportanceIn = props.selected || ids.length <= 2000 ? { target: props.target, filter: "", run_ids: ids } : { target: props.target, filter: props.filter };
  const key = JSON.stringify(request);
  useEffect(() => {
    if (!props.target) return;
    let cancelled = false;
    setResult(null);
    setError(null);
    getImportance(props.project, request).then(
      (r) => !cancelled && setResult(r),
      (e: ApiError) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [key]);
  if (error) return <Message kind="info" title="No importance for this metric">{error.message}</Message>;
  if (!result) return <p class="loading">Computing on the server…</p>;
  const top = Math.max(...result.params.map((p) => p.importance), 1e-9);
  return (
    <table class="importance" aria-label={`Parameter importance for ${props.target}`}>
      <thead>
        <tr>
          <th>Config key</th>
          <th title="Share of a random forest's importance when predicting the metric from all keys">Importance</th>
          <th title="Pearson correlation for numbers; correlation ratio (0 to 1) for categories">Correlation</th>
        </tr>
      </thead>
      <tbody>
        {result.params.map((p) => (
          <tr key={p.param}>
            <td>{p.param.replace(/^config\./, "")}</td>
            <td>
              <span class="bar" style={{ width: `${(p.importance / top) * 100}%` }} />
              <span class="num">{p.importance.toFixed(3)}</span>
            </td>
            <td class={`num ${p.correlation !== null && p.correlation !== undefined ? (p.correlation >= 0 ? "pos" : "neg") : ""}`}>
              {p.correlation === null || p.correlation === undefined ? "—" : p.correlation.toFixed(3)}
              {p.kind === "categorical" ? <small class="muted"> (ratio)</small> : null}
            </td>
          </tr>
        ))}
      </tbody>
      <caption class="muted">From {result.runs_used.toLocaleString()} runs.</caption>
    </table>
  );
}

function CompareCharts(props: { project: string; runs: Run[] }) {
  const chartRuns: ChartRun[] = useMemo(
    () => props.runs.map((r) => ({ id: r.id, name: r.name, color: runColor(r.id), group: r.group ?? null, start: new Date(r.created_at).getTime() / 1000 })),
    [props.runs],
  );
  const keys = useMemo(() => {
    const all = new Set<string>();
    for (const run of props.runs.slice(0, 2000)) for (const k of Object.keys(run.metrics)) if ((run.metrics[k] as { count?: number }).count !== 1) all.add(k);
    return [...all].sort();
  }, [props.runs]);
  const defs = (props.runs[0]?.metadata as { metric_defs?: [] } | undefined)?.metric_defs ?? [];
  return <PanelGrid runs={chartRuns} keys={keys} defs={defs} storageKey={`headway:panels:compare:${props.project}`} refresh={0} />;
}
