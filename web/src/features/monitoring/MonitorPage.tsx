// One monitor: its health, and a tab for each way a model in use can go wrong (drift,
// performance, fairness, data quality), what drives its scores (explanations), plus an audit
// of single predictions.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { alertRulesPath, monitorsPath, navigate, projectPath } from "../../lib/route";
import { getMonitor, listWindows, type Monitor, type MonitorWindow } from "./api";
import { AuditTab } from "./AuditTab";
import { HealthBadge } from "./bits";
import { DriftTab } from "./DriftTab";
import { ExplanationsTab } from "./ExplanationsTab";
import { FairnessTab } from "./FairnessTab";
import { OverviewTab } from "./OverviewTab";
import { PerformanceTab } from "./PerformanceTab";
import { QualityTab } from "./QualityTab";
import { readHealth, watches, windowAxis, type Tab, type WindowAxis } from "./transforms";
import { parseMonitorView, TABS, viewPath, type MonitorView } from "./view";
import "./monitoring.css";

export interface TabProps {
  monitor: Monitor;
  windows: MonitorWindow[];
  axis: WindowAxis;
  view: MonitorView;
  /** Results are cached per computation: a recompute shows new numbers. */
  version: string;
  /** Change the view (merged into the current one); replace keeps the history short. */
  go: (change: Partial<MonitorView>, replace?: boolean) => void;
  href: (change: Partial<MonitorView>) => string;
}

export function MonitorPage(props: { project: string; name: string; search: string }) {
  const view = parseMonitorView(props.search);
  const [monitor, setMonitor] = useState<Monitor | null>(null);
  const [windows, setWindows] = useState<MonitorWindow[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setMonitor(null);
    setWindows(null);
    setError(null);
    const fail = (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    };
    getMonitor(props.project, props.name, abort.signal).then(setMonitor, fail);
    listWindows(props.project, props.name, abort.signal).then(setWindows, fail);
    return () => abort.abort();
  }, [props.project, props.name]);

  const axis = useMemo(() => windowAxis(windows ?? []), [windows]);

  const crumbs = (
    <p class="crumbs">
      <Link href={projectPath(props.project)}>{props.project}</Link> / <Link href={monitorsPath(props.project)}>monitors</Link> /
    </p>
  );
  if (error)
    return (
      <section>
        {crumbs}
        <Message kind="error" title={error.status === 404 ? `There is no monitor ${props.name} in ${props.project}` : `The monitor ${props.name} could not be loaded`}>
          {error.message}
        </Message>
        <p>
          <Link href={monitorsPath(props.project)}>See the monitors of {props.project}.</Link>
        </p>
      </section>
    );
  if (!monitor || !windows) return <p class="loading">Loading monitor…</p>;

  const href = (change: Partial<MonitorView>) => viewPath(monitor.spec.project, monitor.spec.name, { ...view, ...change });
  const go = (change: Partial<MonitorView>, replace = false) => navigate(href(change), replace);
  const tabHref = (tab: Tab) => viewPath(monitor.spec.project, monitor.spec.name, { tab, window: view.window });
  const health = readHealth(monitor.health);
  const tabProps: TabProps = { monitor, windows, axis, view, version: monitor.computed_at ?? "", go, href };

  return (
    <section class="monitor-page">
      {crumbs}
      <header class="page-head">
        <h1>{monitor.spec.name}</h1>
        <HealthBadge verdict={health.verdict} />
        <span class="count">
          {watches(monitor)} · {monitor.spec.window} windows
        </span>
        <Link href={alertRulesPath(monitor.spec.project, { monitor: monitor.spec.name })} class="mon-rules-link">Alert rules for this monitor</Link>
      </header>
      {monitor.spec.description ? <p class="muted mon-description">{monitor.spec.description}</p> : null}
      <nav class="tabs" role="tablist" aria-label="Monitor views">
        {(Object.keys(TABS) as Tab[]).map((tab) => (
          <Link href={tabHref(tab)} class={`tab${tab === view.tab ? " current" : ""}`} key={tab}>
            {TABS[tab]}
          </Link>
        ))}
      </nav>
      {windows.length === 0 && view.tab !== "audit" && view.tab !== "overview" ? (
        <NoWindows monitor={monitor} />
      ) : (
        <>
          {view.tab === "overview" ? <OverviewTab {...tabProps} /> : null}
          {view.tab === "drift" ? <DriftTab {...tabProps} /> : null}
          {view.tab === "performance" ? <PerformanceTab {...tabProps} /> : null}
          {view.tab === "fairness" ? <FairnessTab {...tabProps} /> : null}
          {view.tab === "quality" ? <QualityTab {...tabProps} /> : null}
          {view.tab === "explanations" ? <ExplanationsTab {...tabProps} /> : null}
          {view.tab === "audit" ? <AuditTab {...tabProps} /> : null}
        </>
      )}
    </section>
  );
}

export function NoWindows(props: { monitor: Monitor }) {
  const { monitor } = props;
  return (
    <Message kind="info" title={monitor.rows ? "Nothing computed yet" : "No predictions logged yet"}>
      {monitor.rows
        ? `${monitor.rows.toLocaleString("en")} predictions are stored but no window has been computed. Run monitor.compute() in Python (or wait for the server's worker) and reload this page.`
        : `Log the model's predictions with monitor.log(inputs, scores, ids=...), then run monitor.compute(). Each ${monitor.spec.window} window then appears here.`}
    </Message>
  );
}
