// Data quality: which columns had missing values, new categories, values out of range or of
// the wrong type, in which windows. A list of the problems found, then a heatmap per check.
import { useCallback, useMemo } from "preact/hooks";
import { Message } from "../../components/Message";
import type { MonitorResult } from "./api";
import { Help, TermName, VerdictBadge } from "./bits";
import { QUALITY_METRICS, term } from "./glossary";
import { Heatmap, type HeatRow } from "./Heatmap";
import type { TabProps } from "./MonitorPage";
import { TimeChart, type TimeLine } from "./TimeChart";
import { buildMatrix, columnOf, formatWindow, metricValue, qualityColor, qualityIssues, resultAt, seriesOf, spans, verdictOf, type Matrix } from "./transforms";
import { useResults } from "./useResults";

const QUERY = { kinds: ["quality"] as "quality"[] };

export function QualityTab(props: TabProps) {
  const { monitor } = props;
  const loaded = useResults(monitor.spec.project, monitor.spec.name, QUERY, props.version);
  if (loaded.error) return <Message kind="error" title="Data-quality results could not be loaded">{loaded.error.message}</Message>;
  if (!loaded.data) return <p class="loading">Loading data-quality results…</p>;
  if (!loaded.data.length)
    return <Message kind="info" title="No data-quality results yet">Data quality is checked against the reference data: give the monitor a reference and compute it.</Message>;
  return <QualityView {...props} results={loaded.data} />;
}

function QualityView(props: TabProps & { results: MonitorResult[] }) {
  const { monitor, axis, results, view } = props;
  const issues = useMemo(() => qualityIssues(results, axis), [results, axis]);
  const checks = useMemo(() => Object.keys(QUALITY_METRICS).filter((m) => results.some((r) => r.metric === m)), [results]);
  const metric = view.metric && checks.includes(view.metric) ? view.metric : (issues[0]?.metric ?? checks[0]);
  const inputs = useMemo(() => [...monitor.spec.features, ...monitor.spec.segments, ...monitor.spec.sensitive], [monitor.spec]);
  const matrix = useMemo(() => buildMatrix(results, axis, (r) => (r.metric === metric ? r.subject : null), inputs), [results, axis, metric, inputs]);
  const max = useMemo(() => matrix.results.reduce((m, r) => (r.metric === metric && r.value !== null ? Math.max(m, r.value) : m), 0), [matrix, metric]);
  const row = view.column ? matrix.rows.indexOf(view.column) : -1;
  const col = view.window ? columnOf(axis, view.window) ?? -1 : -1;
  const selected = row >= 0 ? { row, col: col >= 0 ? col : axis.starts.length - 1 } : null;

  const rows = useMemo<HeatRow[]>(
    () =>
      matrix.rows.map((name, r) => {
        let n = 0;
        for (let c = 0; c < matrix.cols; c++) if (resultAt(matrix, r, c)?.verdict === "alert") n++;
        return { key: name, label: name, note: n ? `${n}` : "", title: `${name}: ${n} window${n === 1 ? "" : "s"} with a problem` };
      }),
    [matrix],
  );
  const color = useCallback(
    (r: number, c: number) => {
      const res = resultAt(matrix, r, c);
      return res ? qualityColor(res.value, max, res.verdict === "alert") : null;
    },
    [matrix, max],
  );
  const tip = useCallback(
    (r: number, c: number) => {
      const res = resultAt(matrix, r, c);
      if (!res) return <div class="muted">{matrix.rows[r]}: not checked in this window</div>;
      return (
        <>
          <div class="chart-tip-x">{formatWindow(axis.starts[c], axis.ends[c])}</div>
          <div>
            <strong>{matrix.rows[r]}</strong> · {term(metric).name}: {metricValue(metric, res.value)} <VerdictBadge verdict={verdictOf(res)} label={res.verdict === "alert" ? "Problem" : undefined} />
          </div>
          {typeof res.detail?.reference === "number" ? <div class="muted">reference: {metricValue(metric, res.detail.reference)}</div> : null}
          {Array.isArray(res.detail?.new_categories) && res.detail.new_categories.length ? <div>new: {(res.detail.new_categories as unknown[]).map(String).join(", ")}</div> : null}
        </>
      );
    },
    [matrix, axis, metric],
  );

  return (
    <div class="mon-quality">
      <section class="section-box" aria-label="Problems found">
        <div class="mon-box-head">
          <h2>Problems found</h2>
          <Help text="Data-quality checks compare each window with the reference data. Missing values are not drift (drift tests skip them), so a column can look stable while much of it is empty: this list catches that." wide />
        </div>
        {issues.length === 0 ? (
          <p>No problem in any window: no column has unusually many missing values, new categories, values out of range or of the wrong type.</p>
        ) : (
          <table class="mon-table" aria-label="Data-quality problems">
            <thead>
              <tr>
                <th>Column</th>
                <th>Problem</th>
                <th>In windows</th>
                <th class="num">Latest</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {issues.map((i) => {
                const ref = i.latest.detail?.reference;
                return (
                  <tr key={`${i.column}:${i.metric}`} class="mon-click-row" onClick={() => props.go({ metric: i.metric, column: i.column, window: i.latest.window_start }, true)}>
                    <td>
                      <strong>{i.column}</strong>
                    </td>
                    <td>
                      <TermName metric={i.metric} />
                    </td>
                    <td>
                      {spans(i.windows)
                        .map(([a, b]) => (a === b ? formatWindow(axis.starts[a], axis.ends[a]) : `${formatWindow(axis.starts[a], axis.ends[a])} to ${formatWindow(axis.starts[b], axis.ends[b])}`))
                        .join("; ")}{" "}
                      <span class="muted">
                        ({i.windows.length} of {axis.starts.length})
                      </span>
                    </td>
                    <td class="num">{metricValue(i.metric, i.latest.value)}</td>
                    <td>
                      {i.metric === "missing_rate" && typeof ref === "number" ? <span>reference: {metricValue(i.metric, ref)} missing</span> : null}
                      {i.newCategories.length ? (
                        <span>
                          new: {i.newCategories.map((c) => <span class="tag-badge mon-new-cat" key={c}>{c}</span>)}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <div class="page-tools">
        <span class="muted">Check</span>
        {checks.map((m) => (
          <button type="button" key={m} class={`mon-pill-button${m === metric ? " current" : ""}`} aria-pressed={m === metric} onClick={() => props.go({ metric: m }, true)} title={QUALITY_METRICS[m].help}>
            {QUALITY_METRICS[m].name}
          </button>
        ))}
        <Help text={QUALITY_METRICS[metric]?.help ?? ""} wide />
      </div>
      <p class="mon-lead">
        Each row is a column of the data, each column a window. <span class="mon-swatch" style={{ background: qualityColor(max * 0.2, max, false) }} />
        <span class="mon-swatch" style={{ background: qualityColor(max, max, false) }} /> Darker blue means more {QUALITY_METRICS[metric]?.name.toLowerCase() ?? metric}
        {max > 0 ? ` (darkest: ${metricValue(metric, max)})` : ""}; <span class="mon-swatch" style={{ background: qualityColor(max, max, true) }} /> red marks a problem. Click a cell for the
        column over time.
      </p>
      <Heatmap
        rows={rows}
        axis={axis}
        color={color}
        tip={tip}
        selected={selected}
        label={`${term(metric).name} of each column in each window`}
        onSelect={(r, c) => props.go({ column: matrix.rows[r], window: c >= 0 ? new Date(axis.starts[c]).toISOString() : null }, true)}
      />
      {selected ? <ColumnDetail {...props} matrix={matrix} metric={metric} row={selected.row} col={selected.col} /> : null}
    </div>
  );
}

function ColumnDetail(props: TabProps & { matrix: Matrix; metric: string; row: number; col: number }) {
  const { matrix, metric, axis, row, col } = props;
  const name = matrix.rows[row];
  const s = useMemo(() => seriesOf(matrix.results, axis, (r) => r.metric === metric && r.subject === name), [matrix, axis, metric, name]);
  const ref = s.results.find((r) => typeof r?.detail?.reference === "number")?.detail.reference as number | undefined;
  const lines = useMemo<TimeLine[]>(() => [{ label: term(metric).name, color: "#1864ab", values: s.value, dots: s.verdict.map((v) => (v === "alert" ? "#c92a2a" : null)), format: (v) => metricValue(metric, v) }], [s, metric]);
  const thresholds = useMemo(() => (ref !== undefined ? [{ value: ref, label: `reference ${metricValue(metric, ref)}`, color: "#5d6677" }] : []), [ref, metric]);
  const res = resultAt(matrix, row, col);
  return (
    <section class="section-box" aria-label={`${name}: ${term(metric).name}`}>
      <div class="mon-box-head">
        <h2>
          {name}: {term(metric).name.toLowerCase()} over time
        </h2>
        {res ? <VerdictBadge verdict={verdictOf(res)} label={res.verdict === "alert" ? "Problem" : undefined} /> : null}
        <button type="button" class="small" onClick={() => props.go({ column: null, window: null }, true)}>
          Close
        </button>
      </div>
      {res ? (
        <p>
          In {formatWindow(axis.starts[col], axis.ends[col])}: {metricValue(metric, res.value)} of {res.rows.toLocaleString("en")} rows
          {Array.isArray(res.detail?.issues) && res.detail.issues.length ? <span class="muted"> · flagged: {(res.detail.issues as unknown[]).map((x) => String(x).replace(/_/g, " ")).join(", ")}</span> : null}
        </p>
      ) : null}
      <TimeChart axis={axis} lines={lines} thresholds={thresholds} selected={col} onSelect={(i) => props.go({ window: new Date(axis.starts[i]).toISOString() }, true)} format={(v) => metricValue(metric, v)} yRange={[0, null]} label={`${term(metric).name} of ${name} over time`} height={180} />
    </section>
  );
}
