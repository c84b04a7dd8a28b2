// Drift: a heatmap of features × windows coloured by how far each moved from the reference;
// a cell opens the feature in that window (both distributions, and its score over time).
// Below, the share of drifted features and multivariate drift over time.
import { useCallback, useMemo } from "preact/hooks";
import { Message } from "../../components/Message";
import { Help, TermName, VerdictBadge } from "./bits";
import { DistributionChart } from "./DistributionChart";
import { DRIFT_METHODS, KINDS } from "./glossary";
import { Heatmap, type HeatRow } from "./Heatmap";
import type { TabProps } from "./MonitorPage";
import { TimeChart, type TimeLine } from "./TimeChart";
import {
  columnOf,
  distributionBars,
  driftMatrix,
  formatWindow,
  heatColor,
  lastIndex,
  num,
  pct,
  resultAt,
  seriesOf,
  severity,
  verdictOf,
  type Matrix,
  type Series,
  type Verdict,
} from "./transforms";
import { useResults } from "./useResults";

// The heatmap needs numbers only; a cell's histograms are fetched when it is opened.
const KINDS_QUERY = { kinds: ["drift", "dataset", "multivariate"] as ("drift" | "dataset" | "multivariate")[], detail: "summary" as const };

export const VERDICT_DOT: Record<Verdict, string> = {
  ok: "#2b8a3e",
  drift: "#c92a2a",
  alert: "#c92a2a",
  insufficient_data: "#9aa3b2",
  standing: "#e0a000",
};

export function dots(series: Series): (string | null)[] {
  return series.verdict.map((v, i) => (v && series.value[i] !== null ? VERDICT_DOT[v] : null));
}

export function DriftTab(props: TabProps) {
  const { monitor, axis } = props;
  const loaded = useResults(monitor.spec.project, monitor.spec.name, KINDS_QUERY, props.version);
  const results = loaded.data;
  const matrix = useMemo(() => (results ? driftMatrix(results, axis, monitor.spec) : null), [results, axis, monitor.spec]);

  if (loaded.error) return <Message kind="error" title="Drift results could not be loaded">{loaded.error.message}</Message>;
  if (!results || !matrix) return <p class="loading">Loading drift results…</p>;
  if (!monitor.spec.reference && matrix.rows.length === 0)
    return (
      <Message kind="info" title="Drift is not checked">
        This monitor has no reference data, so there is nothing to compare each window with. Give the monitor a reference (the data the model was checked on) to see drift.
      </Message>
    );
  if (matrix.rows.length === 0) return <Message kind="info" title="No drift results yet">Compute the monitor to compare its windows with the reference data.</Message>;

  return <DriftView {...props} matrix={matrix} all={results} />;
}

function DriftView(props: TabProps & { matrix: Matrix; all: NonNullable<ReturnType<typeof useResults>["data"]> }) {
  const { monitor, axis, view, matrix, all } = props;
  const featureRow = view.feature ? matrix.rows.indexOf(view.feature) : -1;
  const latestCol = featureRow >= 0 ? lastDataCol(matrix, featureRow) : -1;
  const col = view.window ? columnOf(axis, view.window) ?? latestCol : latestCol;
  const selected = featureRow >= 0 && col >= 0 ? { row: featureRow, col } : null;

  const rows = useMemo<HeatRow[]>(() => {
    return matrix.rows.map((name, r) => {
      let drifted = 0;
      let tested = 0;
      for (let c = 0; c < matrix.cols; c++) {
        const res = resultAt(matrix, r, c);
        if (!res) continue;
        if (res.verdict !== "insufficient_data") tested++;
        if (res.verdict === "drift") drifted++;
      }
      const isScore = name === monitor.spec.prediction;
      return {
        key: name,
        label: isScore ? `${name} (the model's output)` : name,
        note: drifted ? `${drifted}/${tested}` : "",
        title: `${name}: drifted in ${drifted} of ${tested} tested windows. Click to open the latest window.`,
      };
    });
  }, [matrix, monitor.spec.prediction]);

  const color = useCallback(
    (r: number, c: number) => {
      const res = resultAt(matrix, r, c);
      return res ? heatColor(verdictOf(res), severity(res)) : null;
    },
    [matrix],
  );
  const tip = useCallback(
    (r: number, c: number) => {
      const res = resultAt(matrix, r, c);
      if (!res) return <div class="muted">{matrix.rows[r]}: no result in this window</div>;
      return (
        <>
          <div class="chart-tip-x">{formatWindow(axis.starts[c], axis.ends[c])}</div>
          <div>
            <strong>{matrix.rows[r]}</strong> · <VerdictBadge verdict={verdictOf(res)} />
          </div>
          <div>{scoreText(res)}</div>
          <div class="muted">click for the distributions</div>
        </>
      );
    },
    [matrix, axis],
  );

  const dataset = useMemo(() => seriesOf(all, axis, (r) => r.kind === "dataset"), [all, axis]);
  const multivariate = useMemo(() => seriesOf(all, axis, (r) => r.kind === "multivariate"), [all, axis]);
  const datasetLines = useMemo<TimeLine[]>(() => [{ label: "Share of features drifted", color: "#7048e8", values: dataset.value, dots: dots(dataset), format: pct }], [dataset]);
  const datasetThreshold = useMemo(() => [{ value: dataset.threshold.find((t) => t !== null) ?? 0.5, label: "dataset drift from here" }], [dataset]);
  const mvLines = useMemo<TimeLine[]>(() => [{ label: "Classifier AUC", color: "#0c8599", values: multivariate.value, dots: dots(multivariate) }], [multivariate]);
  const mvThreshold = useMemo(() => {
    const t = multivariate.threshold.find((x) => x !== null);
    return t !== undefined && t !== null ? [{ value: t, label: "alarm" }, { value: 0.5, label: "cannot tell apart", color: "#9aa3b2" }] : [{ value: 0.5, label: "cannot tell apart", color: "#9aa3b2" }];
  }, [multivariate]);
  const latestMv = selected ? multivariate.results[selected.col] : multivariate.results[lastIndex(multivariate.value)];

  return (
    <div class="mon-drift">
      <p class="mon-lead">
        Each row is a feature, each column a {monitor.spec.window} window. The colour shows how far the feature's values moved away from the reference data, the
        data the model was checked on. Click a cell to compare the two distributions.
      </p>
      <div class="mon-legend mon-heat-legend">
        <span>
          <span class="mon-swatch" style={{ background: heatColor("ok", 0.1) }} />
          <span class="mon-swatch" style={{ background: heatColor("ok", 0.9) }} /> no drift (lighter: further from the threshold)
        </span>
        <span>
          <span class="mon-swatch" style={{ background: heatColor("drift", 1.1) }} />
          <span class="mon-swatch" style={{ background: heatColor("drift", 2) }} />
          <span class="mon-swatch" style={{ background: heatColor("drift", 4) }} /> drift (darker: further past the threshold)
        </span>
        <span>
          <span class="mon-swatch" style={{ background: heatColor("insufficient_data", Number.NaN) }} /> too few values to test
        </span>
        <span>n/m after a name: drifted in n of m windows</span>
      </div>
      <Heatmap
        rows={rows}
        axis={axis}
        color={color}
        tip={tip}
        selected={selected}
        label="Drift of each feature in each window"
        onSelect={(r, c) => {
          const name = matrix.rows[r];
          const at = c >= 0 ? c : lastDataCol(matrix, r);
          props.go({ feature: name, window: at >= 0 ? new Date(axis.starts[at]).toISOString() : null }, true);
        }}
      />
      {selected ? <FeatureDetail {...props} row={selected.row} col={selected.col} /> : <p class="muted mon-hint">Select a cell to see a feature's distribution in that window and its drift over time.</p>}
      <div class="mon-two">
        <section class="section-box" aria-label="Dataset drift over time">
          <h2>
            {KINDS.dataset.name} <Help text={DRIFT_METHODS.drift_share.help} wide />
          </h2>
          {dataset.value.some((v) => v !== null) ? (
            <TimeChart axis={axis} lines={datasetLines} thresholds={datasetThreshold} yRange={[0, 1]} format={pct} label="Share of drifted features per window" height={180} selected={selected?.col ?? null} />
          ) : (
            <p class="muted mon-empty-chart">Not measured in any window: no feature had enough values to be tested.</p>
          )}
        </section>
        <section class="section-box" aria-label="Multivariate drift over time">
          <h2>
            {KINDS.multivariate.name} <Help text={DRIFT_METHODS.domain_classifier_auc.help} wide />
          </h2>
          {multivariate.value.some((v) => v !== null) ? (
            <TimeChart axis={axis} lines={mvLines} thresholds={mvThreshold} label="Multivariate drift: classifier AUC per window" height={180} selected={selected?.col ?? null} />
          ) : (
            <p class="muted mon-empty-chart">
              Not measured in any window{notMeasured(multivariate) ? `: ${notMeasured(multivariate)}` : ""}. The classifier needs a few hundred rows per window; longer windows
              would let it run.
            </p>
          )}
          {latestMv && Array.isArray(latestMv.detail?.top_features) && latestMv.verdict === "drift" ? (
            <p class="mon-small">
              In {formatWindow(Date.parse(latestMv.window_start), Date.parse(latestMv.window_end))} the classifier relied most on{" "}
              {(latestMv.detail.top_features as unknown[][]).slice(0, 4).map((x) => String(x[0])).join(", ")}.
            </p>
          ) : null}
        </section>
      </div>
    </div>
  );
}

/** Why the last result of a series has no value (the engine's message), if it says. */
function notMeasured(s: Series): string {
  for (let i = s.results.length - 1; i >= 0; i--) {
    const message = s.results[i]?.detail?.message;
    if (typeof message === "string") return message;
  }
  return "";
}

function lastDataCol(matrix: Matrix, row: number): number {
  for (let c = matrix.cols - 1; c >= 0; c--) if (matrix.cell[row * matrix.cols + c] >= 0) return c;
  return -1;
}

function scoreText(r: { metric: string; value: number | null; p_value: number | null; threshold: number | null; verdict: string; detail: Record<string, unknown> }): string {
  if (r.verdict === "insufficient_data") return String(r.detail?.message ?? "too few values to test");
  const name = DRIFT_METHODS[r.metric]?.name ?? String(r.detail?.label ?? r.metric);
  if (r.p_value !== null && r.p_value !== undefined) return `${name}: p-value ${num(r.p_value)} (drift below ${num(r.threshold)})`;
  return `${name}: ${num(r.value)} (drift from ${num(r.threshold)})`;
}

function FeatureDetail(props: TabProps & { matrix: Matrix; all: unknown; row: number; col: number }) {
  const { matrix, axis, row, col, monitor } = props;
  const name = matrix.rows[row];
  const res = resultAt(matrix, row, col);
  const start = new Date(axis.starts[col]).toISOString();
  const full = useResults(monitor.spec.project, monitor.spec.name, res ? { kinds: ["drift"], subject: name, start, end: new Date(axis.ends[col]).toISOString() } : null, props.version);
  const withHistograms = full.data?.find((r) => r.window_start && Date.parse(r.window_start) === axis.starts[col]);
  const series = useMemo(() => seriesOf(matrix.results, axis, (r) => r.kind === "drift" && r.subject === name), [matrix, axis, name]);
  const isTest = series.results.some((r) => r && r.p_value !== null && r.p_value !== undefined);
  const lines = useMemo<TimeLine[]>(
    () => [
      {
        label: isTest ? "p-value" : "drift score",
        color: "#2f6fdf",
        values: isTest ? series.results.map((r) => (r ? r.p_value : null)) : series.value,
        dots: dots(series),
      },
    ],
    [series, isTest],
  );
  const threshold = series.threshold.find((t) => t !== null);
  const thresholds = useMemo(() => (threshold !== undefined && threshold !== null ? [{ value: threshold, label: isTest ? `drift below ${num(threshold)}` : `drift from ${num(threshold)}` }] : []), [threshold, isTest]);
  const bars = withHistograms ? distributionBars(withHistograms.detail) : null;
  const method = res?.metric ?? series.results.find((r) => r)?.metric ?? "";
  const kind = monitor.spec.categorical.includes(name) ? "categories" : "numbers";

  return (
    <section class="section-box mon-feature" aria-label={`Feature ${name}`}>
      <div class="mon-box-head">
        <h2>
          {name} in {formatWindow(axis.starts[col], axis.ends[col])}
        </h2>
        {res ? <VerdictBadge verdict={verdictOf(res)} label={res.verdict === "drift" ? "Drifted" : undefined} /> : null}
        <button type="button" class="small" onClick={() => props.go({ feature: null, window: null }, true)}>
          Close
        </button>
      </div>
      {res ? (
        <dl class="mon-facts">
          <dt>Method</dt>
          <dd>
            <TermName metric={method}>{DRIFT_METHODS[method]?.name ?? String(res.detail?.label ?? method)}</TermName>
            <span class="muted"> ({kind})</span>
          </dd>
          {res.p_value !== null && res.p_value !== undefined ? (
            <>
              <dt>p-value</dt>
              <dd class="num-left">
                {num(res.p_value)} <span class="muted">(statistic {num(res.value)})</span>
              </dd>
            </>
          ) : (
            <>
              <dt>Distance</dt>
              <dd class="num-left">{num(res.value)}</dd>
            </>
          )}
          <dt>Threshold</dt>
          <dd class="num-left">
            {num(res.threshold)} <span class="muted">{res.p_value !== null && res.p_value !== undefined ? "(drift when the p-value is at or below it)" : "(drift when the distance reaches it)"}</span>
          </dd>
          <dt>Verdict</dt>
          <dd>{res.verdict === "drift" ? "drifted: the values no longer look like the reference's" : res.verdict === "insufficient_data" ? "not tested" : "no drift"}</dd>
          <dt>Values compared</dt>
          <dd class="num-left">
            {res.rows.toLocaleString("en")} in this window · {Number(res.detail?.n_reference ?? 0).toLocaleString("en")} in the reference
          </dd>
        </dl>
      ) : (
        <p class="muted">No result for this feature in this window.</p>
      )}
      {res?.detail?.message ? <Message kind="info" title="Not tested">{String(res.detail.message)}</Message> : null}
      <div class="mon-two">
        <div>
          <h3 class="mon-subhead">Distribution: reference vs this window</h3>
          {bars ? (
            <DistributionChart bars={bars} label={`Distribution of ${name}: reference and ${formatWindow(axis.starts[col], axis.ends[col])}`} />
          ) : full.error ? (
            <Message kind="error" title="Could not load the distributions">{full.error.message}</Message>
          ) : res && !full.data ? (
            <p class="muted">Loading the distributions…</p>
          ) : (
            <p class="muted">No distribution was stored for this window.</p>
          )}
        </div>
        <div>
          <h3 class="mon-subhead">
            {isTest ? "p-value" : "Drift score"} over time{" "}
            <Help text={isTest ? "Each dot is a window's p-value, on a log scale: below the dashed line the change is unlikely to be chance. Click a window to open it." : "Each dot is a window's distance from the reference: above the dashed line the feature drifted. Click a window to open it."} wide />
          </h3>
          <TimeChart
            axis={axis}
            lines={lines}
            thresholds={thresholds}
            log={isTest}
            yRange={isTest ? [null, 1] : [0, null]}
            selected={col}
            onSelect={(i) => props.go({ window: new Date(axis.starts[i]).toISOString() }, true)}
            label={`Drift of ${name} over time`}
            height={240}
          />
        </div>
      </div>
    </section>
  );
}
