// A project's alert rules: what each watches and when it fires, in plain words; whether it
// is on or muted; its latest alert. Enable, disable, mute, edit, delete.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { alertPath, alertRulePath, alertRulesPath, alertsPath, monitorPath } from "../../lib/route";
import { Dialog } from "../registry/Dialog";
import "../registry/registry.css";
import { deleteRule, listAlerts, listRules, patchRule, type Alert, type Rule } from "./api";
import { Ago, AlertsHeader, errorText, SeverityBadge, StateBadge } from "./bits";
import { describeCondition, describeTarget, unitOf } from "./conditions";
import { MuteDialog } from "./AlertsPage";
import { formatUntil, isMuted, latestByRule, openByRule } from "./inbox";

export function RulesPage(props: { project: string; search: string }) {
  const monitor = new URLSearchParams(props.search).get("monitor");
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [muting, setMuting] = useState<Rule | null>(null);
  const [deleting, setDeleting] = useState<Rule | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    listRules(props.project, abort.signal).then(setRules, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    });
    listAlerts({ project: props.project, limit: 1000 }, abort.signal).then(setAlerts, () => undefined);
    return () => abort.abort();
  }, [props.project, refresh]);

  const replace = (r: Rule) => setRules((list) => list?.map((x) => (x.id === r.id ? r : x)) ?? null);
  const act = async (r: Rule, what: string, patch: Parameters<typeof patchRule>[2]) => {
    setRowError(null);
    try {
      replace(await patchRule(props.project, r.name, patch));
    } catch (e) {
      setRowError(`${r.name} was not ${what}: ${errorText(e)}`);
    }
  };

  const shown = rules ? rules.filter((r) => !monitor || r.target.monitor === monitor) : null;
  const latest = latestByRule(alerts);
  const open = openByRule(alerts);
  const newHref = alertRulePath(props.project, null, monitor ? { monitor } : undefined);

  return (
    <section class="rules-page">
      <AlertsHeader
        project={props.project}
        tab="rules"
        title="Alert rules"
        count={shown ? `${shown.length} ${shown.length === 1 ? "rule" : "rules"}` : ""}
        hint="A rule watches a series Headway already stores — a monitor's results, a registered model, or runs' metrics — and opens an alert when its condition holds."
        tools={
          <Link href={newHref} class="al-button primary">
            New rule…
          </Link>
        }
      />
      {monitor ? (
        <p class="al-filter-note">
          Rules about monitor <Link href={monitorPath(props.project, monitor)}>{monitor}</Link> ·{" "}
          <Link href={alertRulesPath(props.project)}>show every rule</Link>
        </p>
      ) : null}
      {error ? <Message kind="error" title="Rules could not be loaded">{error.message}</Message> : null}
      {rowError ? <Message kind="error" title="Not done">{rowError}</Message> : null}
      {!shown && !error ? <p class="loading">Loading rules…</p> : null}
      {shown && shown.length === 0 ? (
        <section class="empty al-empty">
          <p>
            <strong>{monitor ? `No rule watches monitor ${monitor} yet.` : `${props.project} has no alert rules yet.`}</strong> A rule says what to watch
            and when to tell someone, for example:
          </p>
          <ul>
            <li>a feature of a monitor drifted (the monitor's own verdict says “drift”);</li>
            <li>recall of the production model fell below 0.7 for two days in a row;</li>
            <li>a nightly training run's validation loss is missing (NaN), or a run crashed.</li>
          </ul>
          <p>
            <Link href={newHref}>Create a rule</Link>: the editor shows where it would have fired over the last 30 windows before you save it.
          </p>
        </section>
      ) : null}
      {shown && shown.length > 0 ? (
        <table class="mon-table al-rules" aria-label="Alert rules">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Watches</th>
              <th>Fires when</th>
              <th>Severity</th>
              <th>Status</th>
              <th>Latest alert</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const last = latest.get(r.name);
              const openCount = open.get(r.name) ?? 0;
              const muted = isMuted(r.muted_until);
              return (
                <tr key={r.id} class={r.enabled ? "" : "al-disabled"}>
                  <td>
                    <Link href={alertRulePath(props.project, r.name)}>
                      <strong>{r.name}</strong>
                    </Link>
                    {r.description ? <div class="muted al-small">{r.description}</div> : null}
                  </td>
                  <td class="al-words">{describeTarget(r.target)}</td>
                  <td class="al-words">{describeCondition(r.condition, unitOf(r.target))}</td>
                  <td>
                    <SeverityBadge severity={r.severity} />
                    <div class="muted al-small">{r.channels.length ? `to ${r.channels.join(", ")}` : "to every channel"}</div>
                  </td>
                  <td>
                    <span class={`state ${r.enabled ? "state-running" : ""}`}>{r.enabled ? "enabled" : "disabled"}</span>
                    {muted && r.muted_until ? (
                      <div class="al-small al-muted-note" title={`Muted until ${formatTime(r.muted_until)}`}>
                        muted, {formatUntil(r.muted_until).replace(/^in /, "for ")}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    {last ? (
                      <>
                        <Link href={alertPath(props.project, last.id)}>
                          <StateBadge state={last.state} />
                        </Link>{" "}
                        <span class="muted al-small">
                          <Ago at={last.opened_at} />
                        </span>
                        <div class="al-small">
                          <Link href={alertsPath(props.project, { rule: r.name, state: "any" })}>{openCount ? `${openCount} open · all its alerts` : "all its alerts"}</Link>
                        </div>
                      </>
                    ) : (
                      <span class="muted">never fired</span>
                    )}
                  </td>
                  <td>
                    <span class="al-row-actions al-wrap">
                    <button type="button" class="small" onClick={() => act(r, r.enabled ? "disabled" : "enabled", { enabled: !r.enabled })} aria-label={`${r.enabled ? "Disable" : "Enable"} ${r.name}`}>
                      {r.enabled ? "Disable" : "Enable"}
                    </button>
                    {muted ? (
                      <button type="button" class="small" onClick={() => act(r, "unmuted", { muted_until: null })} aria-label={`Unmute ${r.name}`}>
                        Unmute
                      </button>
                    ) : (
                      <button type="button" class="small" onClick={() => setMuting(r)} aria-label={`Mute ${r.name}…`}>
                        Mute…
                      </button>
                    )}
                    <Link href={alertRulePath(props.project, r.name)} class="al-button small">
                      Edit
                    </Link>
                    <button type="button" class="small danger" onClick={() => setDeleting(r)} aria-label={`Delete ${r.name}…`}>
                      Delete…
                    </button>
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {muting ? <MuteDialog alert={{ project: props.project, rule_name: muting.name }} onClose={() => setMuting(null)} onDone={() => setRefresh((n) => n + 1)} /> : null}
      {deleting ? (
        <DeleteRuleDialog
          project={props.project}
          rule={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setRules((list) => list?.filter((x) => x.id !== deleting.id) ?? null);
            setDeleting(null);
          }}
        />
      ) : null}
    </section>
  );
}

function DeleteRuleDialog(props: { project: string; rule: Rule; onClose: () => void; onDeleted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await deleteRule(props.project, props.rule.name);
      props.onDeleted();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete rule ${props.rule.name}`} onClose={props.onClose}>
      <p class="dialog-summary">
        <strong>{props.rule.name}</strong> stops watching {describeTarget(props.rule.target)}. Its past alerts stay in the inbox and their history. To pause it
        instead, disable or mute it.
      </p>
      {error ? <Message kind="error" title="Not deleted">{error}</Message> : null}
      <div class="row-buttons">
        <button type="button" class="danger" onClick={confirm} disabled={busy}>
          {busy ? "Deleting…" : `Delete ${props.rule.name}`}
        </button>
        <button type="button" onClick={props.onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
