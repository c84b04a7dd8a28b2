// Every monitored model at a glance: what it watches, how much data it has, and whether
// its latest window needs attention.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatAge } from "../../components/format";
import { modelPath, monitorPath, monitorsPath, navigate, projectPath } from "../../lib/route";
import { listMonitors, type Monitor } from "./api";
import { CountPill, HealthBadge, Help } from "./bits";
import { healthCounts, parseModelRef, readHealth } from "./transforms";
import "./monitoring.css";

export const firstMonitorCode = (project: string) => `import headway

monitor = headway.Monitor(
    ${JSON.stringify(project)},${" ".repeat(Math.max(1, 33 - JSON.stringify(project).length))}# the project
    model="dropout-risk@production",  # the registered model it watches
    reference=train_df,               # the data the model was checked on
    features=["attendance_rate", "avg_grade", "course"],
    categorical=["course"],
    prediction="score", label="dropped_out",
    segments=["course"], sensitive=["gender"],
)
monitor.log(todays_students, scores, ids=todays_students["student_id"])
monitor.log_labels(ids, outcomes)     # when the outcomes are known
monitor.compute()`;

export function MonitorsPage(props: { project: string | null }) {
  const [monitors, setMonitors] = useState<Monitor[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setMonitors(null);
    setError(null);
    listMonitors(props.project, abort.signal).then(setMonitors, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    });
    return () => abort.abort();
  }, [props.project]);

  const columns: Column<Monitor>[] = [
    { key: "name", title: "Monitor", width: 150, render: (m) => <Link href={monitorPath(m.spec.project, m.spec.name)}>{m.spec.name}</Link> },
    ...(props.project
      ? []
      : [{ key: "project", title: "Project", width: 100, render: (m: Monitor) => <Link href={monitorsPath(m.spec.project)}>{m.spec.project}</Link> }]),
    {
      key: "model",
      title: "Model",
      width: 230,
      render: (m) => {
        const ref = parseModelRef(m.spec.model);
        if (!ref) return <span class="muted">none</span>;
        return (
          <span>
            <Link href={modelPath(ref.name)}>{m.spec.model}</Link>
            {m.model_version !== null ? <span class="muted"> (v{m.model_version})</span> : null}
          </span>
        );
      },
    },
    { key: "health", title: "Latest window", width: 130, render: (m) => <HealthBadge verdict={readHealth(m.health).verdict} /> },
    {
      key: "issues",
      title: "What needs attention",
      width: 230,
      render: (m) => {
        const c = healthCounts(readHealth(m.health));
        const any = c.drift + c.quality + c.performance + c.fairness > 0;
        return any ? (
          <span class="mon-pills">
            <CountPill n={c.drift} what="drifted" title="Features that drifted in the latest window" />
            <CountPill n={c.quality} what="data quality" title="Data-quality alerts in the latest window" />
            <CountPill n={c.performance} what="performance" title="Performance alerts (measured, estimated or concept drift) in the latest window" />
            <CountPill n={c.fairness} what="fairness" title="Fairness alerts in the latest window" />
          </span>
        ) : (
          <span class="muted">nothing</span>
        );
      },
    },
    {
      key: "alerting",
      title: "Alerting",
      width: 130,
      render: (m) => {
        const h = readHealth(m.health);
        return h.windows ? (
          <span class="num" title={`${h.alerting} of the ${h.windows} computed windows raised at least one alert`}>
            {h.alerting} of {h.windows} windows
          </span>
        ) : (
          <span class="muted">none computed</span>
        );
      },
    },
    { key: "window", title: "Window", width: 70, render: (m) => m.spec.window },
    { key: "rows", title: "Predictions", width: 100, render: (m) => <span class="num">{m.rows.toLocaleString("en")}</span> },
    {
      key: "labels",
      title: "Outcomes",
      width: 95,
      render: (m) => (
        <span class="num" title={m.rows ? `${Math.round((100 * m.labels) / m.rows)}% of predictions have a known outcome` : undefined}>
          {m.labels.toLocaleString("en")}
        </span>
      ),
    },
    {
      key: "computed",
      title: "Computed",
      width: 110,
      render: (m) => (m.computed_at ? <span title={m.computed_at}>{formatAge(m.computed_at)}</span> : <span class="muted">never</span>),
    },
  ];

  return (
    <section class="monitors-page">
      {props.project ? (
        <p class="crumbs">
          <Link href={projectPath(props.project)}>{props.project}</Link> /
        </p>
      ) : null}
      <header class="page-head">
        <h1>{props.project ? "Monitors" : "Monitors of every project"}</h1>
        <span class="count">{monitors ? `${monitors.length.toLocaleString("en")} ${monitors.length === 1 ? "monitor" : "monitors"}` : ""}</span>
        <Help text="A monitor watches a model in use: it compares each day's (or hour's) students with the data the model was checked on, and, once outcomes are known, how well the model did and whether it treats groups fairly." wide />
      </header>
      {error ? <Message kind="error" title="Monitors could not be loaded">{error.message}</Message> : null}
      {!monitors && !error ? <p class="loading">Loading monitors…</p> : null}
      {monitors && monitors.length === 0 ? (
        <section class="empty">
          <p>
            {props.project ? `No model of ${props.project} is monitored yet.` : "No model is monitored yet."} A monitor is set up once, in the Python
            script that makes the model's predictions (ask whoever runs it to add these lines). Each day's checks then appear here, with no code needed to read
            them.
          </p>
          <pre class="code">{firstMonitorCode(props.project ?? "dropout")}</pre>
        </section>
      ) : null}
      {monitors && monitors.length > 0 ? (
        <VirtualTable
          label="Monitors"
          rows={monitors}
          columns={columns}
          rowKey={(m) => `${m.spec.project}/${m.spec.name}`}
          rowHeight={36}
          height={Math.min(600, 38 + monitors.length * 36)}
          onOpen={(m) => navigate(monitorPath(m.spec.project, m.spec.name))}
        />
      ) : null}
    </section>
  );
}
