// The monitor at a glance: what the chosen (or latest) window found, in words; health over
// time; predictions and outcomes per window; the model and data it is tied to; its setup.
import { useEffect, useMemo, useState } from "preact/hooks";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { artifactPath, modelPath, parseVersionRef, runPath, versionPath } from "../../lib/route";
import { getModelVersion, type ModelVersion } from "./api";
import { HealthBadge, Help } from "./bits";
import { KINDS } from "./glossary";
import type { TabProps } from "./MonitorPage";
import { TimeChart, type TimeLine } from "./TimeChart";
import { columnOf, findings, formatWindow, parseModelRef, pct, readHealth } from "./transforms";
import { useResults } from "./useResults";

const VERDICT_COLORS: Record<string, string> = { ok: "#8ccf95", alert: "#e8590c", insufficient_data: "#cfd4dc", drift: "#e8590c" };

export function OverviewTab(props: TabProps) {
  const { monitor, windows, axis, view } = props;
  const latest = windows.length - 1;
  const chosen = view.window ? columnOf(axis, view.window) ?? latest : latest;
  const win = chosen >= 0 ? windows[chosen] : null;
  const results = useResults(monitor.spec.project, monitor.spec.name, win ? { start: win.start, end: win.end } : null, props.version);
  const inWindow = useMemo(() => (results.data && win ? results.data.filter((r) => r.window_start === win.start || Date.parse(r.window_start) === Date.parse(win.start)) : []), [results.data, win]);
  const found = useMemo(() => (win ? findings(inWindow, win) : []), [inWindow, win]);
  const health = readHealth(monitor.health);

  const volume = useMemo<TimeLine[]>(
    () => [
      { label: "Predictions", color: "#2f6fdf", values: windows.map((w) => w.rows) },
      { label: "With a known outcome", color: "#2b8a3e", values: windows.map((w) => w.labeled) },
    ],
    [windows],
  );

  return (
    <div class="mon-overview">
      <div class="mon-overview-main">
        {win ? (
          <section class="section-box" aria-label="Window findings">
            <div class="mon-box-head">
              <h2>
                {chosen === latest ? "Latest window" : "Window"}: {formatWindow(axis.starts[chosen], axis.ends[chosen])}
              </h2>
              <HealthBadge verdict={win.verdict} />
              {chosen !== latest ? (
                <button type="button" class="small" onClick={() => props.go({ window: null })}>
                  Back to the latest
                </button>
              ) : null}
            </div>
            <p class="muted">
              {win.rows.toLocaleString("en")} predictions · {win.labeled ? `${pct(win.labeled / Math.max(1, win.rows))} with a known outcome` : "no outcome known yet"}
            </p>
            {results.error ? <Message kind="error" title="The window's results could not be loaded">{results.error.message}</Message> : null}
            {!results.data && !results.error ? <p class="loading">Reading the window's results…</p> : null}
            {results.data && found.length === 0 ? <p>Nothing unusual: every check is within its expected range.</p> : null}
            {found.length ? (
              <ul class="mon-findings">
                {found.map((f, i) => (
                  <li key={i} class={`finding-${f.level}`}>
                    <span class="mon-finding-kind" title={KINDS[f.kind]?.help}>
                      {KINDS[f.kind]?.name ?? (f.kind === "labels" ? "Outcomes" : f.kind)}
                    </span>
                    <span class="mon-finding-text">{f.text}</span>{" "}
                    <Link href={props.href({ tab: f.tab, ...f.params, window: win.start })} class="mon-finding-link">
                      Show →
                    </Link>
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
        ) : (
          <Message kind="info" title={monitor.rows ? "Nothing computed yet" : "No predictions logged yet"}>
            {monitor.rows
              ? "Predictions are stored but no window has been computed yet: run monitor.compute() in Python, then reload."
              : "Log predictions with monitor.log(...) and compute with monitor.compute(); each window's findings then appear here."}
          </Message>
        )}
        {windows.length ? (
          <section class="section-box" aria-label="Health over time">
            <div class="mon-box-head">
              <h2>Health of each window</h2>
              <Help text="One square per window, oldest on the left: green when every check passed, orange when at least one raised an alert, grey when there was too little data. Click a square to read that window's findings." wide />
              <span class="muted">
                {health.alerting} of {windows.length} windows raised an alert
              </span>
            </div>
            <div class="mon-strip" role="list" aria-label="Windows by health">
              {windows.map((w, i) => (
                <button
                  type="button"
                  role="listitem"
                  key={w.start}
                  class={`mon-strip-cell${i === chosen ? " current" : ""}`}
                  style={{ background: VERDICT_COLORS[w.verdict] ?? "#cfd4dc" }}
                  title={`${formatWindow(axis.starts[i], axis.ends[i])}: ${w.verdict === "alert" ? Object.entries(w.issues).map(([k, n]) => `${n} ${KINDS[k]?.name.toLowerCase() ?? k}`).join(", ") : w.verdict === "ok" ? "all checks passed" : "too little data"}`}
                  aria-label={`${formatWindow(axis.starts[i], axis.ends[i])}: ${w.verdict}`}
                  onClick={() => props.go({ window: w.start }, true)}
                />
              ))}
            </div>
            <div class="mon-strip-dates muted">
              <span>{formatWindow(axis.starts[0], axis.ends[0])}</span>
              <span>{formatWindow(axis.starts[windows.length - 1], axis.ends[windows.length - 1])}</span>
            </div>
            <h3 class="mon-subhead">
              Predictions and known outcomes per window <Help text="Outcomes (labels) usually arrive later than predictions; performance and fairness can only be measured on predictions whose outcome is known." wide />
            </h3>
            <TimeChart axis={axis} lines={volume} height={160} label="Predictions and known outcomes per window" format={(v) => Math.round(v).toLocaleString("en")} selected={chosen} onSelect={(i) => props.go({ window: windows[i].start }, true)} yRange={[0, null]} />
          </section>
        ) : null}
      </div>
      <aside class="mon-overview-side">
        <ModelBox {...props} />
        <SetupBox {...props} />
      </aside>
    </div>
  );
}

function ModelBox(props: TabProps) {
  const { monitor } = props;
  const ref = parseModelRef(monitor.spec.model);
  const [version, setVersion] = useState<ModelVersion | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    if (!ref || monitor.model_version === null) return;
    const abort = new AbortController();
    getModelVersion(ref.name, monitor.model_version, abort.signal).then(setVersion, () => !abort.signal.aborted && setMissing(true));
    return () => abort.abort();
  }, [ref?.name, monitor.model_version]);
  const reference = monitor.reference_ref ? parseVersionRef(monitor.reference_ref) : null;
  return (
    <section class="section-box" aria-label="Model and data">
      <h2>Model and data</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th>
              Model <Help text="The registered model whose predictions are watched." />
            </th>
            <td>
              {ref ? (
                <>
                  <Link href={modelPath(ref.name)}>{monitor.spec.model}</Link>
                  {monitor.model_version !== null ? (
                    <>
                      {" "}
                      → <Link href={modelPath(ref.name, { tab: "compare", versions: String(monitor.model_version) })}>version {monitor.model_version}</Link>
                    </>
                  ) : null}
                </>
              ) : (
                <span class="muted">not tied to a registered model</span>
              )}
            </td>
          </tr>
          {version ? (
            <tr>
              <th>Trained by</th>
              <td>
                {version.run_id ? <Link href={runPath(version.run_id)}>run {version.run_id}</Link> : <span class="muted">no run recorded</span>}
                {" · "}
                <Link href={versionPath(version.project, version.artifact, version.artifact_version)}>
                  {version.artifact}:v{version.artifact_version}
                </Link>
              </td>
            </tr>
          ) : missing ? (
            <tr>
              <th>Trained by</th>
              <td class="muted">the model version could not be found in the registry</td>
            </tr>
          ) : null}
          <tr>
            <th>
              Reference <Help text="The data the model was checked on. Every window is compared with it: a feature drifts when its values no longer look like the reference's." wide />
            </th>
            <td>
              {reference ? (
                <Link href={versionPath(reference.project, reference.name, reference.version)}>
                  {reference.name}:v{reference.version}
                </Link>
              ) : (
                <span class="muted">{monitor.spec.reference ?? "none: drift is not checked"}</span>
              )}
            </td>
          </tr>
          <tr>
            <th>Lineage</th>
            <td>
              {reference ? <Link href={versionPath(reference.project, reference.name, reference.version, { tab: "lineage" })}>reference data's lineage</Link> : null}
              {reference && version?.run_id ? " · " : null}
              {version?.run_id ? <Link href={`${runPath(version.run_id)}?tab=artifacts`}>training run's inputs and outputs</Link> : null}
              {!reference && !version?.run_id ? <span class="muted">none recorded</span> : null}
              {reference ? (
                <>
                  {" · "}
                  <Link href={artifactPath(reference.project, reference.name)}>all versions</Link>
                </>
              ) : null}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function SetupBox(props: TabProps) {
  const { monitor } = props;
  const s = monitor.spec;
  const health = readHealth(monitor.health);
  const categorical = new Set(s.categorical);
  return (
    <section class="section-box" aria-label="Setup">
      <h2>Setup</h2>
      <table class="kv">
        <tbody>
          <tr>
            <th>Window</th>
            <td>{s.window}</td>
          </tr>
          <tr>
            <th>Predictions</th>
            <td>
              {monitor.rows.toLocaleString("en")}
              {monitor.first_at ? <span class="muted"> from {formatTime(monitor.first_at)} to {formatTime(monitor.last_at)}</span> : null}
            </td>
          </tr>
          <tr>
            <th>Known outcomes</th>
            <td>
              {monitor.labels.toLocaleString("en")}
              {monitor.rows ? <span class="muted"> ({pct(monitor.labels / monitor.rows)})</span> : null}
              {health.unmatched ? (
                <div class="inline-error">{health.unmatched.toLocaleString("en")} outcomes matched no prediction id</div>
              ) : null}
            </td>
          </tr>
          <tr>
            <th>Last computed</th>
            <td>{monitor.computed_at ? formatTime(monitor.computed_at) : <span class="muted">never</span>}</td>
          </tr>
          <tr>
            <th>Score column</th>
            <td>
              {s.prediction ?? "–"}
              {s.prediction_label ? <span class="muted"> · decision {s.prediction_label}</span> : <span class="muted"> · flagged at ≥ {s.decision_threshold}</span>}
            </td>
          </tr>
          <tr>
            <th>Outcome column</th>
            <td>{s.label ?? <span class="muted">none: performance is only estimated</span>}</td>
          </tr>
          <tr>
            <th>Features ({s.features.length})</th>
            <td class="mon-feature-list">
              {s.features.map((f) => (
                <span class="tag-badge" key={f} title={categorical.has(f) ? "categories" : "numbers"}>
                  {f}
                  {categorical.has(f) ? " ▪" : ""}
                </span>
              ))}
            </td>
          </tr>
          <tr>
            <th>
              Segments <Help text="Columns whose values (each course, each region…) get their own performance figures." />
            </th>
            <td>{s.segments.length ? s.segments.join(", ") : <span class="muted">none</span>}</td>
          </tr>
          <tr>
            <th>
              Fairness across <Help text="Sensitive attributes: the model's error rates and flagging rates are compared between their groups." />
            </th>
            <td>{s.sensitive.length ? s.sensitive.join(", ") : <span class="muted">none</span>}</td>
          </tr>
          <tr>
            <th>
              Fewest rows <Help text="A check needs at least this many values in a window; with fewer, it says so instead of guessing." />
            </th>
            <td>{s.min_rows}</td>
          </tr>
        </tbody>
      </table>
      <p class="muted mon-small">▪ marks features that hold categories rather than numbers.</p>
    </section>
  );
}
