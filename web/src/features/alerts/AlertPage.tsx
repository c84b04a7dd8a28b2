// One alert: what fired and why, the series with its band, who did what (history), what
// was sent where (notifications), and, apart, the root-cause analysis.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { alertRulePath, alertsPath, projectPath } from "../../lib/route";
import "../registry/registry.css";
import {
  acknowledgeAlert,
  alertEvents,
  alertNotifications,
  alertRootCause,
  announceAlertsChanged,
  getAlert,
  getRule,
  previewRule,
  type Alert,
  type AlertEvent,
  type Notification,
  type Preview,
  type RootCause,
  type Rule,
} from "./api";
import { Ago, errorText, SeverityBadge, StateBadge } from "./bits";
import { describeCondition, describeTarget, unitOf } from "./conditions";
import { alertValue, eventNote, eventTitle, eventTone, sourceOf } from "./inbox";
import { MuteDialog, ResolveDialog } from "./AlertsPage";
import { PreviewChart, PreviewLegend } from "./PreviewChart";
import { chartSeries, shortDate } from "./preview";
import { RootCauseSection } from "./RootCause";

/** Points of the fired series shown around the alert. */
const SHOWN = 60;

interface Loaded {
  alert: Alert;
  events: AlertEvent[];
  notifications: Notification[];
}

export function AlertPage(props: { project: string; id: number }) {
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [rule, setRule] = useState<Rule | null | "missing">(null);
  const [series, setSeries] = useState<Preview | null | "none">(null);
  const [rootCause, setRootCause] = useState<RootCause | null | "loading">("loading");
  const [rootError, setRootError] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const s = abort.signal;
    setError(null);
    Promise.all([getAlert(props.id, s), alertEvents(props.id, s), alertNotifications(props.id, s)]).then(
      ([alert, events, notifications]) => setData({ alert, events, notifications }),
      (e: unknown) => !s.aborted && setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e))),
    );
    return () => abort.abort();
  }, [props.id, refresh]);

  // The rule and the series it judged, once per alert.
  const alert = data?.alert ?? null;
  useEffect(() => {
    if (!alert) return;
    const abort = new AbortController();
    setRule(null);
    setSeries(null);
    if (alert.rule_id === null) {
      setRule("missing");
      setSeries("none");
      return;
    }
    getRule(alert.project, alert.rule_name, abort.signal)
      .then((r) => {
        setRule(r);
        return previewRule(alert.project, r.target, r.condition, SHOWN, abort.signal);
      })
      .then(
        (previews) => setSeries(previews?.find((p) => p.scope === alert.scope) ?? "none"),
        () => {
          if (abort.signal.aborted) return;
          setRule((r) => r ?? "missing");
          setSeries("none");
        },
      );
    return () => abort.abort();
  }, [alert?.id]);

  useEffect(() => {
    const abort = new AbortController();
    setRootCause("loading");
    setRootError(null);
    alertRootCause(props.id, abort.signal).then(setRootCause, (e: unknown) => {
      if (abort.signal.aborted) return;
      setRootCause(null);
      setRootError(errorText(e));
    });
    return () => abort.abort();
  }, [props.id]);

  const crumbs = (
    <p class="crumbs">
      <Link href={projectPath(props.project)}>{props.project}</Link> / <Link href={alertsPath(props.project)}>alerts</Link> /
    </p>
  );
  if (error)
    return (
      <section>
        {crumbs}
        <Message kind="error" title={error.status === 404 ? `There is no alert ${props.id}` : `Alert ${props.id} could not be loaded`}>
          {error.message}
        </Message>
        <p>
          <Link href={alertsPath(props.project)}>See the alerts of {props.project}.</Link>
        </p>
      </section>
    );
  if (!data || !alert) return <p class="loading">Loading alert…</p>;

  return (
    <section class="alert-page">
      {crumbs}
      <header class="page-head al-head">
        <h1>{alert.title}</h1>
      </header>
      <p class="al-badges">
        <SeverityBadge severity={alert.severity} /> <StateBadge state={alert.state} />
        <span class="muted">
          opened <Ago at={alert.opened_at} />
          {alert.state === "resolved" && alert.resolved_at ? (
            <>
              {" "}
              · resolved <Ago at={alert.resolved_at} />
            </>
          ) : null}
        </span>
      </p>
      <p class="al-hint muted">
        {alert.state === "firing"
          ? "The condition holds and nobody has said they are on it. Acknowledge it when you start looking; it resolves by itself when the condition clears."
          : alert.state === "acknowledged"
            ? `${alert.acknowledged_by ?? "Someone"} is looking into it. It stays open until the condition clears or someone resolves it.`
            : "This alert is over. If the condition holds again, a new alert opens."}
      </p>
      <Actions alert={alert} onChange={() => (setRefresh((n) => n + 1), announceAlertsChanged())} />
      <div class="al-two">
        <section class="section-box" aria-label="What fired">
          <h2>What fired</h2>
          {alert.text ? <p class="al-text">{alert.text}</p> : null}
          <Facts alert={alert} rule={rule} />
        </section>
        <section class="section-box" aria-label="The series that fired">
          <h2>The series that fired</h2>
          <FiredSeries alert={alert} rule={rule} series={series} />
        </section>
      </div>
      <div class="al-two">
        <section class="section-box" aria-label="History">
          <h2>History</h2>
          <History events={data.events} />
        </section>
        <section class="section-box" aria-label="Notifications">
          <h2>Notifications</h2>
          <Notifications notifications={data.notifications} project={alert.project} />
        </section>
      </div>
      <RootCauseSection alert={alert} rootCause={rootCause} error={rootError} />
    </section>
  );
}

function Actions(props: { alert: Alert; onChange: () => void }) {
  const a = props.alert;
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [resolving, setResolving] = useState(false);
  const [muting, setMuting] = useState(false);
  const acknowledge = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await acknowledgeAlert(a.id, note.trim());
      setNote("");
      props.onChange();
    } catch (problem) {
      setError(errorText(problem));
    } finally {
      setBusy(false);
    }
  };
  if (a.state === "resolved" && a.rule_id === null) return null;
  return (
    <div class="al-actions">
      {a.state === "firing" ? (
        <form class="al-ack" onSubmit={acknowledge} aria-label="Acknowledge">
          <input type="text" aria-label="Note (optional)" placeholder="note (optional): what you are checking" value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Acknowledging…" : "Acknowledge"}
          </button>
        </form>
      ) : null}
      {a.state !== "resolved" ? (
        <button type="button" onClick={() => setResolving(true)}>
          Resolve…
        </button>
      ) : null}
      {a.rule_id !== null ? (
        <button type="button" onClick={() => setMuting(true)}>
          Mute rule…
        </button>
      ) : null}
      {error ? <Message kind="error" title="Not acknowledged">{error}</Message> : null}
      {resolving ? <ResolveDialog alert={a} onClose={() => setResolving(false)} onDone={() => (setResolving(false), props.onChange())} /> : null}
      {muting ? <MuteDialog alert={a} onClose={() => setMuting(false)} /> : null}
    </div>
  );
}

function Facts(props: { alert: Alert; rule: Rule | null | "missing" }) {
  const a = props.alert;
  const rule = props.rule === "missing" ? null : props.rule;
  const src = sourceOf(a);
  const band = a.lower !== null || a.upper !== null ? `${a.lower !== null ? alertValue(a.lower) : "−∞"} – ${a.upper !== null ? alertValue(a.upper) : "∞"}` : null;
  return (
    <dl class="mon-facts al-facts">
      <dt>Rule</dt>
      <dd>
        {a.rule_id === null ? (
          <span>none: raised from code (run.alert)</span>
        ) : (
          <>
            <Link href={alertRulePath(a.project, a.rule_name)}>{a.rule_name}</Link>{" "}
            <span class="muted">
              · <Link href={alertsPath(a.project, { rule: a.rule_name, state: "any" })}>its alerts</Link>
            </span>
            {props.rule === "missing" ? <span class="muted"> (the rule has been deleted)</span> : null}
          </>
        )}
      </dd>
      {rule ? (
        <>
          <dt>Watches</dt>
          <dd>{describeTarget(rule.target)}</dd>
          <dt>Fires when</dt>
          <dd>{describeCondition(rule.condition, unitOf(rule.target))}</dd>
        </>
      ) : null}
      <dt>Source</dt>
      <dd>{src ? <Link href={src.href}>{src.label}</Link> : <span class="muted">–</span>}</dd>
      <dt>Value</dt>
      <dd>
        <span class="num-left">{alertValue(a.value) || "–"}</span>
        {band ? <span class="muted"> (allowed: {band})</span> : null}
      </dd>
      {a.at || a.step !== null ? (
        <>
          <dt>{a.step !== null ? "Step" : "Window"}</dt>
          <dd>{a.step !== null ? a.step : a.at ? `starting ${shortDate(a.at)} ${new Date(a.at).getUTCFullYear()} (UTC)` : ""}</dd>
        </>
      ) : null}
      <dt>Opened</dt>
      <dd>{formatTime(a.opened_at)}</dd>
      {a.acknowledged_at ? (
        <>
          <dt>Acknowledged</dt>
          <dd>
            {formatTime(a.acknowledged_at)} by {a.acknowledged_by ?? "anonymous"}
          </dd>
        </>
      ) : null}
      {a.resolved_at ? (
        <>
          <dt>Resolved</dt>
          <dd>
            {formatTime(a.resolved_at)} {a.resolved_by ? `by ${a.resolved_by}` : "(the condition cleared)"}
          </dd>
        </>
      ) : null}
      <dt>Scope</dt>
      <dd class="al-mono">{a.scope}</dd>
    </dl>
  );
}

function FiredSeries(props: { alert: Alert; rule: Rule | null | "missing"; series: Preview | null | "none" }) {
  const { alert } = props;
  const chart = useMemo(() => (props.series && props.series !== "none" ? chartSeries(props.series) : null), [props.series]);
  const marks = useMemo(() => {
    if (!chart || !props.series || props.series === "none") return [];
    const first = alert.source?.first_at;
    const firstStep = alert.source?.first_step;
    const p = props.series;
    let index = -1;
    if (typeof firstStep === "number") index = p.steps.indexOf(firstStep);
    else if (typeof first === "string") index = p.times.findIndex((t) => Date.parse(t) === Date.parse(first));
    return index >= 0 ? [{ index, label: "this alert fired", color: "#c92a2a" }] : [];
  }, [chart, alert.id]);
  if (alert.rule_id === null)
    return <p class="muted">Raised from code with run.alert(…): there is no series behind it. The run's page has its metrics.</p>;
  if (props.rule === null || props.series === null) return <p class="loading">Loading the series…</p>;
  if (!chart)
    return (
      <p class="muted">
        {props.rule === "missing" ? "The rule was deleted, so the series it judged cannot be drawn." : "The series has no points left to draw (it may have been deleted)."}
      </p>
    );
  return (
    <>
      <PreviewChart series={chart} label={`${alert.title}: the series with its band, breaching points and where the alert fired`} marks={marks} />
      <PreviewLegend band={!!(chart.lower || chart.upper)} firing="firing" />
      <p class="muted al-small">
        The last {chart.x.length} {chart.time ? "windows" : "points"}, judged by the rule as it is now. Red dots breach the condition; the tint is where the
        rule was firing.
      </p>
    </>
  );
}

function History(props: { events: AlertEvent[] }) {
  if (props.events.length === 0) return <p class="muted">No history yet.</p>;
  return (
    <ol class="al-history" aria-label="Alert history">
      {props.events.map((e) => (
        <li class={`al-event tone-${eventTone(e.type)}`} key={e.id}>
          <span class="al-event-time" title={formatTime(e.at)}>
            {formatTime(e.at)}
          </span>
          <span class="al-event-body">
            <strong>{eventTitle(e)}</strong>
            {note(e)}
          </span>
        </li>
      ))}
    </ol>
  );
}

function note(e: AlertEvent) {
  const n = eventNote(e);
  return n ? <span class="al-event-message">{n.quoted ? `“${n.text}”` : n.text}</span> : null;
}

const NOTIFY_STATE: Record<Notification["state"], string> = { pending: "waiting to retry", delivered: "✓ delivered", failed: "✗ failed" };

function Notifications(props: { notifications: Notification[]; project: string }) {
  if (props.notifications.length === 0)
    return (
      <p class="muted">
        Nothing was sent about this alert: the project has no channel for its severity, or the rule was muted. Channels are set up under{" "}
        <Link href={`${projectPath(props.project)}/alert-channels`}>Channels</Link>.
      </p>
    );
  return (
    <table class="mon-table" aria-label="Notifications sent">
      <thead>
        <tr>
          <th>Channel</th>
          <th>About</th>
          <th>Result</th>
          <th class="num">Attempts</th>
          <th>When</th>
          <th>Last error</th>
        </tr>
      </thead>
      <tbody>
        {props.notifications.map((n) => (
          <tr key={n.id}>
            <td>{n.channel}</td>
            <td>{n.event}</td>
            <td class={n.state === "delivered" ? "delivery-ok" : n.state === "failed" ? "delivery-failed" : ""}>{NOTIFY_STATE[n.state]}</td>
            <td class="num">{n.attempts}</td>
            <td title={formatTime(n.delivered_at ?? n.created_at)}>
              <Ago at={n.delivered_at ?? n.created_at} />
            </td>
            <td class="al-mono al-small">{n.last_error ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
