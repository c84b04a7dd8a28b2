// The alerts inbox, of every project or of one: newest first, filtered by project,
// severity and state (open ones by default), with acknowledge, resolve and mute on each row.
import { useEffect, useState } from "preact/hooks";
import { ApiError, listProjects, type Project } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { alertPath, alertRulePath, alertRulesPath, alertsPath, navigate } from "../../lib/route";
import { Dialog } from "../registry/Dialog";
import "../registry/registry.css";
import { acknowledgeAlert, announceAlertsChanged, listAlerts, patchRule, resolveAlert, type Alert, type AlertState, type Severity } from "./api";
import { Ago, AlertsHeader, errorText, SeverityBadge, StateBadge } from "./bits";
import { alertValue, inboxQuery, MUTES, muteUntil, parseInboxView, SEVERITIES, sourceOf, STATES, toggle, type InboxView } from "./inbox";

const LIMIT = 1000;

export function AlertsPage(props: { project: string | null; search: string }) {
  const view = parseInboxView(props.search);
  const project = props.project ?? view.project;
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [resolving, setResolving] = useState<Alert | null>(null);
  const [muting, setMuting] = useState<Alert | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const key = `${project}|${view.states.join()}|${view.severities.join()}|${view.rule}`;

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    listAlerts({ project, states: view.states, severities: view.severities, rule: view.rule, limit: LIMIT }, abort.signal).then(setAlerts, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    });
    return () => abort.abort();
  }, [key]);
  useEffect(() => {
    listProjects().then(setProjects, () => setProjects([]));
  }, []);

  const go = (change: Partial<InboxView>) => navigate(alertsPath(props.project, inboxQuery({ ...view, ...change })), true);
  const replace = (a: Alert) => {
    setAlerts((list) => list?.map((x) => (x.id === a.id ? a : x)) ?? null);
    announceAlertsChanged();
  };
  const acknowledge = async (a: Alert) => {
    setRowError(null);
    try {
      replace(await acknowledgeAlert(a.id, ""));
    } catch (e) {
      setRowError(`Alert ${a.id} was not acknowledged: ${errorText(e)}`);
    }
  };

  const columns: Column<Alert>[] = [
    { key: "severity", title: "Severity", width: 105, render: (a) => <SeverityBadge severity={a.severity} /> },
    { key: "state", title: "State", width: 145, render: (a) => <StateBadge state={a.state} /> },
    {
      key: "title",
      title: "Alert",
      width: props.project ? 470 : 370,
      render: (a) => (
        <span class="al-title" title={a.text || a.title}>
          <Link href={alertPath(a.project, a.id)}>{a.title}</Link>
        </span>
      ),
    },
    ...(props.project ? [] : [{ key: "project", title: "Project", width: 100, render: (a: Alert) => <Link href={alertsPath(a.project)}>{a.project}</Link> }]),
    {
      key: "source",
      title: "Source",
      width: 170,
      render: (a) => {
        const src = sourceOf(a);
        return src ? <Link href={src.href}>{src.label}</Link> : <span class="muted">{a.rule_id === null ? "raised from code" : "–"}</span>;
      },
    },
    { key: "opened", title: "Opened", width: 100, render: (a) => <Ago at={a.opened_at} /> },
    { key: "value", title: "Value", width: 80, render: (a) => <span class="num">{alertValue(a.value)}</span> },
    {
      key: "actions",
      title: "",
      width: 285,
      render: (a) => (
        <span class="al-row-actions">
          {a.state === "firing" ? (
            <button type="button" class="small" onClick={() => acknowledge(a)} aria-label={`Acknowledge alert ${a.id}`} title="Say you are looking into it (the channels are told)">
              Acknowledge
            </button>
          ) : null}
          {a.state !== "resolved" ? (
            <button type="button" class="small" onClick={() => setResolving(a)} aria-label={`Resolve alert ${a.id}…`}>
              Resolve…
            </button>
          ) : null}
          {a.rule_id !== null ? (
            <button type="button" class="small" onClick={() => setMuting(a)} aria-label={`Mute rule ${a.rule_name}…`} title={`Notify nobody about rule "${a.rule_name}" for a while`}>
              Mute rule…
            </button>
          ) : null}
        </span>
      ),
    },
  ];

  const stateWords = view.states.length === 0 || view.states.length === STATES.length ? "" : view.states.length === 2 && !view.states.includes("resolved") ? "open " : `${view.states.join(" or ")} `;
  const count = alerts ? `${alerts.length >= LIMIT ? `${LIMIT.toLocaleString("en")}+` : alerts.length.toLocaleString("en")} ${stateWords}${alerts.length === 1 ? "alert" : "alerts"}` : "";
  const filtered = view.severities.length > 0 || view.rule !== null || (!props.project && view.project !== null) || !(view.states.length === 2 && !view.states.includes("resolved"));

  return (
    <section class="alerts-page">
      <AlertsHeader
        project={props.project}
        tab="alerts"
        title={props.project ? "Alerts" : "Alerts of every project"}
        count={count}
        hint="Something that needs attention: a rule's condition held (a monitor's inputs drifted, recall fell, a run's loss went NaN). Acknowledge an alert when you look into it; it resolves by itself when the condition clears."
      />
      <div class="al-filters" role="group" aria-label="Filters">
        {!props.project ? (
          <label>
            Project{" "}
            <select value={view.project ?? ""} onChange={(e) => go({ project: (e.target as HTMLSelectElement).value || null })}>
              <option value="">every project</option>
              {(projects ?? []).map((p) => (
                <option value={p.name} key={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <span class="al-chips" role="group" aria-label="State">
          <span class="muted">State</span>
          {STATES.map((s) => (
            <button type="button" class={`al-chip${view.states.includes(s) ? " on" : ""}`} aria-pressed={view.states.includes(s)} onClick={() => go({ states: toggle<AlertState>(view.states, s) })} key={s}>
              {s}
            </button>
          ))}
        </span>
        <span class="al-chips" role="group" aria-label="Severity">
          <span class="muted">Severity</span>
          {SEVERITIES.map((s) => (
            <button type="button" class={`al-chip${view.severities.includes(s) ? " on" : ""}`} aria-pressed={view.severities.includes(s)} onClick={() => go({ severities: toggle<Severity>(view.severities, s) })} key={s}>
              {s}
            </button>
          ))}
          <span class="muted al-small">{view.severities.length ? "" : "(all)"}</span>
        </span>
        {view.rule ? (
          <span class="al-chip on">
            rule: {view.rule}{" "}
            <button type="button" class="linkish" aria-label="Show every rule's alerts" onClick={() => go({ rule: null })}>
              ×
            </button>
          </span>
        ) : null}
        {props.project ? (
          <span class="al-filter-links">
            <Link href={alertRulesPath(props.project)}>Rules</Link> · <Link href={alertRulePath(props.project, null)}>New rule…</Link>
          </span>
        ) : null}
      </div>
      {error ? <Message kind="error" title="Alerts could not be loaded">{error.message}</Message> : null}
      {rowError ? <Message kind="error" title="Not done">{rowError}</Message> : null}
      {!alerts && !error ? <p class="loading">Loading alerts…</p> : null}
      {alerts && alerts.length === 0 ? (
        filtered ? (
          <Message kind="info" title="No alerts match these filters">
            <button type="button" class="linkish" onClick={() => navigate(alertsPath(props.project, { state: "any" }), true)}>
              Show every alert
            </button>
          </Message>
        ) : (
          <EmptyInbox project={props.project} projects={projects} />
        )
      ) : null}
      {alerts && alerts.length > 0 ? (
        <VirtualTable
          label="Alerts"
          rows={alerts}
          columns={columns}
          rowKey={(a) => String(a.id)}
          rowHeight={50}
          height={Math.min(660, 40 + alerts.length * 50)}
          rowClass={(a) => `al-row-${a.state}`}
          onOpen={(a) => navigate(alertPath(a.project, a.id))}
        />
      ) : null}
      {resolving ? <ResolveDialog alert={resolving} onClose={() => setResolving(null)} onDone={(a) => (replace(a), setResolving(null))} /> : null}
      {muting ? <MuteDialog alert={muting} onClose={() => setMuting(null)} /> : null}
    </section>
  );
}

function EmptyInbox(props: { project: string | null; projects: Project[] | null }) {
  return (
    <section class="empty al-empty">
      <p>
        <strong>No open alerts{props.project ? ` in ${props.project}` : ""}.</strong> An alert tells people that something needs attention — a monitor's
        inputs drifted, recall for a group of students fell, a fairness gap opened, a training run's loss went NaN or a run crashed.
      </p>
      <p>
        Alerts come from <strong>rules</strong>: a rule watches a series Headway already stores (a monitor's results, a registered model, or runs' metrics)
        and opens an alert when its condition holds. Each alert then goes out through the project's <strong>channels</strong> (Slack, email, a webhook,
        PagerDuty).
      </p>
      {props.project ? (
        <p>
          <Link href={alertRulePath(props.project, null)}>Create a rule</Link> (the editor shows where it would have fired before you save it), or{" "}
          <Link href={alertRulesPath(props.project)}>see this project's rules</Link>.
        </p>
      ) : props.projects && props.projects.length ? (
        <p>
          Create a rule in a project:{" "}
          {props.projects.slice(0, 12).map((p, i) => (
            <span key={p.name}>
              {i ? ", " : ""}
              <Link href={alertRulePath(p.name, null)}>{p.name}</Link>
            </span>
          ))}
          .
        </p>
      ) : null}
    </section>
  );
}

export function ResolveDialog(props: { alert: Alert; onClose: () => void; onDone: (a: Alert) => void }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onDone(await resolveAlert(props.alert.id, note.trim()));
    } catch (problem) {
      setError(errorText(problem));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Resolve alert ${props.alert.id}`} onClose={props.onClose}>
      <form onSubmit={submit} aria-label="Resolve the alert">
        <p class="dialog-summary">{props.alert.title}</p>
        <label for="resolve-note">Note (optional): what was done</label>
        <textarea id="resolve-note" class="al-note" rows={3} value={note} placeholder="retrained on the new term's data" onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        <p class="muted al-small">The note is kept in the alert's history with your name, and the channels are told it is resolved. If the condition holds again later, a new alert opens.</p>
        {error ? <Message kind="error" title="Not resolved">{error}</Message> : null}
        <div class="row-buttons">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Resolving…" : "Resolve"}
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function MuteDialog(props: { alert: Pick<Alert, "project" | "rule_name">; onClose: () => void; onDone?: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const mute = async (label: string, seconds: number) => {
    setBusy(true);
    setError(null);
    try {
      await patchRule(props.alert.project, props.alert.rule_name, { muted_until: muteUntil(seconds) });
      setDone(label);
      props.onDone?.();
    } catch (problem) {
      setError(errorText(problem));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Mute rule ${props.alert.rule_name}`} onClose={props.onClose}>
      <p>
        While muted, the rule's alerts still open and resolve and their history says “muted”, but <strong>nobody is notified</strong>.
      </p>
      {done ? (
        <p class="notice" role="status">
          Muted for {done}.
        </p>
      ) : (
        <div class="row-buttons">
          {MUTES.map(([label, seconds]) => (
            <button type="button" class="primary" disabled={busy} onClick={() => mute(label, seconds)} key={label}>
              Mute for {label}
            </button>
          ))}
        </div>
      )}
      {error ? <Message kind="error" title="Not muted">{error}</Message> : null}
      <div class="row-buttons">
        <button type="button" onClick={props.onClose} data-autofocus>
          {done ? "Close" : "Cancel"}
        </button>
      </div>
    </Dialog>
  );
}
