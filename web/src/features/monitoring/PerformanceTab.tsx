// Performance: each metric over time with its confidence band, the label-free estimate
// (CBPE) on the same chart, concept drift marked, per-segment lines, and the confusion
// matrix of a chosen window.
import { useMemo, useState } from "preact/hooks";
import { Message } from "../../components/Message";
import { PALETTE } from "../../lib/colors";
import { Help, TermName, VerdictBadge } from "./bits";
import { KINDS, PERFORMANCE_METRICS, term } from "./glossary";
import type { TabProps } from "./MonitorPage";
import { TimeChart, type TimeLine } from "./TimeChart";
import { dots } from "./DriftTab";
import {
  columnOf,
  confusionOf,
  formatWindow,
  groupsOf,
  lastIndex,
  metricsOf,
  metricValue,
  num,
  seriesOf,
  verdictOf,
} from "./transforms";
import type { MonitorResult } from "./api";
import { useResults } from "./useResults";

const OVERALL = { kinds: ["performance", "estimated", "concept"] as ("performance" | "estimated" | "concept")[], subject: "*" };
const REALISED = "#2f6fdf";
const ESTIMATED = "#e8590c";

export function PerformanceTab(props: TabProps) {
  const { monitor, view } = props;
  const loaded = useResults(monitor.spec.project, monitor.spec.name, OVERALL, props.version);
  const segment = view.segment && monitor.spec.segments.includes(view.segment) ? view.segment : null;
  const segLoaded = useResults(monitor.spec.project, monitor.spec.name, segment ? { kinds: ["performance"], subject: segment } : null, props.version);
  const results = loaded.data;

  const metrics = useMemo(() => (results ? metricsOf(results, "performance", PERFORMANCE_METRICS).filter((m) => m !== "confusion") : []), [results]);
  const estimatedMetrics = useMemo(() => (results ? new Set(results.filter((r) => r.kind === "estimated").map((r) => r.metric)) : new Set<string>()), [results]);
  const metric = view.metric && (metrics.includes(view.metric) || estimatedMetrics.has(view.metric)) ? view.metric : (metrics.find((m) => m === "roc_auc") ?? metrics[0] ?? [...estimatedMetrics][0] ?? null);

  if (loaded.error) return <Message kind="error" title="Performance results could not be loaded">{loaded.error.message}</Message>;
  if (!results) return <p class="loading">Loading performance…</p>;
  if (!monitor.spec.label && estimatedMetrics.size === 0)
    return (
      <Message kind="info" title="Performance is not measured">
        This monitor has no outcome column, so it cannot tell whether predictions were right. Name the outcome column (label) and log outcomes with monitor.log_labels(ids, outcomes) when they are known.
      </Message>
    );
  if (!metric)
    return (
      <Message kind="info" title="No outcomes yet">
        Performance appears once enough outcomes are known ({monitor.spec.min_rows} per window). Log them with monitor.log_labels(ids, outcomes).
      </Message>
    );
  return <PerformanceView {...props} results={results} metric={metric} metrics={metrics} estimated={estimatedMetrics} segment={segment} segmentResults={segLoaded.data} />;
}

interface ViewProps extends TabProps {
  results: MonitorResult[];
  metric: string;
  metrics: string[];
  estimated: Set<string>;
  segment: string | null;
  segmentResults: MonitorResult[] | null;
}

function PerformanceView(props: ViewProps) {
  const { monitor, axis, view, results, metric } = props;
  const realised = useMemo(() => seriesOf(results, axis, (r) => r.kind === "performance" && r.subject === "*" && r.metric === metric), [results, axis, metric]);
  const estimate = useMemo(() => seriesOf(results, axis, (r) => r.kind === "estimated" && r.metric === metric), [results, axis, metric]);
  const concept = useMemo(() => seriesOf(results, axis, (r) => r.kind === "concept"), [results, axis]);
  const confusion = useMemo(() => seriesOf(results, axis, (r) => r.kind === "performance" && r.subject === "*" && r.metric === "confusion"), [results, axis]);
  const fmt = (v: number) => metricValue(metric, v);

  const lastLabelled = lastIndex(confusion.results);
  const chosen = view.window ? columnOf(axis, view.window) ?? lastLabelled : lastLabelled;
  const reference = realised.results.find((r) => typeof r?.detail?.reference === "number")?.detail.reference as number | undefined;
  const alarm = [...realised.threshold, ...estimate.threshold].find((t) => t !== null) ?? null;
  const thresholds = useMemo(() => {
    const out: { value: number; label: string; color?: string }[] = [];
    if (alarm !== null) out.push({ value: alarm, label: `alarm below ${fmt(alarm)}` });
    if (reference !== undefined) out.push({ value: reference, label: `reference ${fmt(reference)}`, color: "#5d6677" });
    return out;
  }, [alarm, reference, metric]);
  const lines = useMemo<TimeLine[]>(() => {
    const out: TimeLine[] = [];
    if (realised.value.some((v) => v !== null))
      out.push({ label: `Measured ${term(metric).name}`, color: REALISED, values: realised.value, band: { lower: realised.lower, upper: realised.upper }, dots: dots(realised), format: fmt });
    if (estimate.value.some((v) => v !== null))
      out.push({ label: `Estimated (CBPE)`, color: ESTIMATED, values: estimate.value, dash: [5, 4], band: { lower: estimate.lower, upper: estimate.upper }, format: fmt });
    return out;
  }, [realised, estimate, metric]);
  const highlights = useMemo(
    () => concept.results.flatMap((r, i) => (r && r.verdict === "alert" ? [{ index: i, color: "#c92a2a", label: "Concept drift: performance fell while no input drifted" }] : [])),
    [concept],
  );
  const conceptWindows = concept.results.filter((r): r is MonitorResult => !!r && r.verdict === "alert");
  const select = (i: number) => props.go({ window: new Date(axis.starts[i]).toISOString() }, true);

  return (
    <div class="mon-performance">
      <div class="page-tools">
        <label>
          Metric{" "}
          <select value={metric} onChange={(e) => props.go({ metric: (e.target as HTMLSelectElement).value }, true)} aria-label="Metric">
            {[...new Set([...props.metrics, ...props.estimated])].map((m) => (
              <option value={m} key={m}>
                {term(m).name}
              </option>
            ))}
          </select>
        </label>
        <Help text={term(metric).help} wide />
        <label>
          Split by{" "}
          <select value={props.segment ?? ""} onChange={(e) => props.go({ segment: (e.target as HTMLSelectElement).value || null }, true)} aria-label="Split by segment">
            <option value="">the whole population</option>
            {monitor.spec.segments.map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <section class="section-box" aria-label="Performance over time">
        <div class="mon-box-head">
          <h2>
            <TermName metric={metric} /> over time
          </h2>
          <Help
            text={`The solid line is measured on students whose outcome is known, with its 95% confidence band. The dashed line is the estimate made from the model's own scores before outcomes arrive (${KINDS.estimated.help}) When the two part ways while no input drifted, the world changed: concept drift, shaded red.`}
            wide
          />
        </div>
        <div class="mon-legend">
          <span>
            <span class="mon-line" style={{ background: REALISED }} /> measured
          </span>
          {props.estimated.has(metric) ? (
            <span>
              <span class="mon-line dashed" style={{ borderColor: ESTIMATED }} /> estimated before outcomes are known (CBPE)
            </span>
          ) : null}
          {alarm !== null ? (
            <span>
              <span class="mon-line dashed" style={{ borderColor: "#c92a2a" }} /> alarm
            </span>
          ) : null}
          {reference !== undefined ? (
            <span>
              <span class="mon-line dashed" style={{ borderColor: "#5d6677" }} /> value on the reference data
            </span>
          ) : null}
          {highlights.length ? (
            <span>
              <span class="mon-swatch" style={{ background: "#c92a2a33" }} /> concept drift
            </span>
          ) : null}
        </div>
        {lines.length ? (
          <TimeChart axis={axis} lines={lines} thresholds={thresholds} highlights={highlights} selected={chosen >= 0 ? chosen : null} onSelect={select} format={fmt} label={`${term(metric).name} over time`} height={260} />
        ) : (
          <p class="muted">No window has a value for this metric yet.</p>
        )}
        {conceptWindows.length ? (
          <div class="mon-concept" role="note">
            <strong>Concept drift in {conceptWindows.length === 1 ? "1 window" : `${conceptWindows.length} windows`}:</strong>{" "}
            {conceptWindows
              .slice(-3)
              .map((r) => `${formatWindow(Date.parse(r.window_start), Date.parse(r.window_end))}: ${String(r.detail?.explanation ?? "")}`)
              .join("; ")}
            . Retraining on recent outcomes is usually needed: the model's rules no longer match how students' outcomes come about.
          </div>
        ) : concept.results.some((r) => r) ? (
          <p class="muted mon-small">No concept drift: wherever measured performance fell, some inputs had drifted too (see the Drift tab), or it stayed within range.</p>
        ) : null}
      </section>
      {props.segment ? <SegmentChart {...props} segment={props.segment} chosen={chosen} select={select} /> : null}
      <div class="mon-two">
        <WindowPanel {...props} chosen={chosen} />
        <OtherMetrics {...props} select={select} chosen={chosen} />
      </div>
    </div>
  );
}

function SegmentChart(props: ViewProps & { segment: string; chosen: number; select: (i: number) => void }) {
  const { axis, metric, segmentResults } = props;
  const groups = useMemo(() => (segmentResults ? groupsOf(segmentResults, props.segment, "performance") : []), [segmentResults, props.segment]);
  const [hidden, setHidden] = useState<string[]>([]);
  const lines = useMemo<TimeLine[]>(
    () =>
      segmentResults
        ? groups
            .map((g, i) => ({ g, color: PALETTE[i % PALETTE.length] }))
            .filter(({ g }) => !hidden.includes(g))
            .map(({ g, color }) => {
              const s = seriesOf(segmentResults, axis, (r) => r.group === g && r.metric === metric);
              return { label: g, color, values: s.value, dots: s.verdict.map((v) => (v === "alert" ? "#c92a2a" : null)), format: (v: number) => metricValue(metric, v) };
            })
        : [],
    [segmentResults, groups, hidden, axis, metric],
  );
  if (!segmentResults) return <p class="loading">Loading {props.segment} segments…</p>;
  return (
    <section class="section-box" aria-label={`${term(metric).name} by ${props.segment}`}>
      <div class="mon-box-head">
        <h2>
          {term(metric).name} by {props.segment}
        </h2>
        <Help text="One line per group. Small groups have wide confidence intervals, so a single low window is often noise; red dots are windows below the alarm." wide />
      </div>
      <div class="mon-legend" role="group" aria-label="Groups shown">
        {groups.map((g, i) => (
          <label key={g} class="mon-toggle">
            <input type="checkbox" checked={!hidden.includes(g)} onChange={() => setHidden(hidden.includes(g) ? hidden.filter((x) => x !== g) : [...hidden, g])} />
            <span class="run-dot" style={{ background: PALETTE[i % PALETTE.length] }} /> {g}
          </label>
        ))}
      </div>
      {lines.length ? (
        <TimeChart axis={axis} lines={lines} selected={props.chosen >= 0 ? props.chosen : null} onSelect={props.select} format={(v) => metricValue(metric, v)} label={`${term(metric).name} by ${props.segment} over time`} height={240} />
      ) : (
        <p class="muted">No group shown.</p>
      )}
    </section>
  );
}

function WindowPanel(props: ViewProps & { chosen: number }) {
  const { axis, results, chosen } = props;
  if (chosen < 0)
    return (
      <section class="section-box">
        <h2>A window's details</h2>
        <p class="muted">No window has known outcomes yet.</p>
      </section>
    );
  const start = axis.starts[chosen];
  const inWindow = results.filter((r) => Date.parse(r.window_start) === start);
  const matrix = confusionOf(inWindow.find((r) => r.kind === "performance" && r.metric === "confusion"));
  const perf = inWindow.filter((r) => r.kind === "performance" && r.metric !== "confusion");
  const estimated = new Map(inWindow.filter((r) => r.kind === "estimated").map((r) => [r.metric, r]));
  const shortOfLabels = perf.find((r) => r.verdict === "insufficient_data");
  return (
    <section class="section-box" aria-label="Window details">
      <div class="mon-box-head">
        <h2>{formatWindow(start, axis.ends[chosen])}</h2>
        <span class="muted">click a window on a chart to change</span>
      </div>
      {shortOfLabels ? <p class="muted">{String(shortOfLabels.detail?.message ?? "Too few known outcomes to measure performance.")}</p> : null}
      {matrix ? <ConfusionTable {...matrix} positive={props.monitor.spec.positive} /> : !shortOfLabels ? <p class="muted">No outcomes are known for this window yet: only the estimates below are available.</p> : null}
      <table class="mon-table" aria-label="Metrics of the window">
        <thead>
          <tr>
            <th>Metric</th>
            <th class="num">Measured</th>
            <th class="num">95% interval</th>
            <th class="num">Estimated</th>
            <th class="num">Reference</th>
            <th>Verdict</th>
          </tr>
        </thead>
        <tbody>
          {[...new Set([...perf.map((r) => r.metric), ...estimated.keys()])].map((m) => {
            const r = perf.find((x) => x.metric === m && x.verdict !== "insufficient_data");
            const e = estimated.get(m);
            const ref = r?.detail?.reference;
            const v = r ?? e;
            return (
              <tr key={m}>
                <td>
                  <TermName metric={m} />
                </td>
                <td class="num">{r ? metricValue(m, r.value) : "–"}</td>
                <td class="num muted">{r && r.lower !== null && r.upper !== null ? `${metricValue(m, r.lower)} – ${metricValue(m, r.upper)}` : ""}</td>
                <td class="num">{e ? metricValue(m, e.value) : ""}</td>
                <td class="num muted">{typeof ref === "number" ? metricValue(m, ref) : ""}</td>
                <td>{v ? <VerdictBadge verdict={verdictOf(v)} /> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

export function ConfusionTable(props: { classes: string[]; matrix: number[][]; total: number; positive?: string | null }) {
  const names = (c: string) => (props.classes.length === 2 ? (c === (props.positive ?? props.classes[1]) ? `${c} (at risk)` : `${c} (not at risk)`) : c);
  const max = Math.max(1, ...props.matrix.flat());
  return (
    <div class="mon-confusion">
      <h3 class="mon-subhead">
        Confusion matrix <Help text="Rows are what really happened, columns what the model predicted. The diagonal counts correct predictions." wide />
      </h3>
      <table aria-label="Confusion matrix">
        <thead>
          <tr>
            <th />
            {props.classes.map((c) => (
              <th key={c} scope="col">
                predicted {names(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.matrix.map((row, i) => (
            <tr key={i}>
              <th scope="row">actual {names(props.classes[i])}</th>
              {row.map((n, j) => (
                <td key={j} class={i === j ? "diag" : "off"} style={{ background: `rgba(${i === j ? "43,138,62" : "201,42,42"},${(0.08 + 0.5 * (n / max)).toFixed(2)})` }}>
                  <strong>{n.toLocaleString("en")}</strong>
                  <span class="muted"> {props.total ? `${Math.round((100 * n) / props.total)}%` : ""}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function OtherMetrics(props: ViewProps & { select: (i: number) => void; chosen: number }) {
  const { axis, results, metrics, metric } = props;
  const others = metrics.filter((m) => m !== metric);
  return (
    <section class="section-box" aria-label="Other metrics">
      <h2>Other metrics</h2>
      <div class="mon-small-multiples">
        {others.map((m) => (
          <SmallMetric key={m} metric={m} results={results} axis={axis} chosen={props.chosen} select={props.select} open={() => props.go({ metric: m }, true)} />
        ))}
      </div>
    </section>
  );
}

function SmallMetric(props: { metric: string; results: MonitorResult[]; axis: TabProps["axis"]; chosen: number; select: (i: number) => void; open: () => void }) {
  const s = useMemo(() => seriesOf(props.results, props.axis, (r) => r.kind === "performance" && r.subject === "*" && r.metric === props.metric), [props.results, props.axis, props.metric]);
  const lines = useMemo<TimeLine[]>(() => [{ label: term(props.metric).name, color: REALISED, values: s.value, band: { lower: s.lower, upper: s.upper }, format: (v) => metricValue(props.metric, v) }], [s]);
  const last = lastIndex(s.value);
  return (
    <div class="mon-small-chart">
      <div class="mon-box-head">
        <button type="button" class="linkish" onClick={props.open} title={`${term(props.metric).help} Click to chart it above.`}>
          {term(props.metric).name}
        </button>
        <span class="num muted">{last >= 0 ? metricValue(props.metric, s.value[last]) : ""}</span>
        {term(props.metric).lowerIsBetter ? <span class="muted mon-small">lower is better</span> : null}
      </div>
      <TimeChart axis={props.axis} lines={lines} selected={props.chosen >= 0 ? props.chosen : null} onSelect={props.select} format={(v) => num(v, 2)} label={`${term(props.metric).name} over time`} height={140} />
    </div>
  );
}
