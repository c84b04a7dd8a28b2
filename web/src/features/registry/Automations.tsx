// The model's automations (signed webhooks on registry events) and every delivery attempt
// with the answer it got; create one, enable or disable it, delete it.
import { useEffect, useRef, useState } from "preact/hooks";
import {
  ApiError,
  createAutomation,
  deleteAutomation,
  listAutomations,
  listDeliveries,
  setAutomationEnabled,
  type Automation,
  type Delivery,
} from "../../api/client";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatTime } from "../../components/format";
import { Dialog } from "./Dialog";

const SNIPPET = 120;

/** The events a model's automation can listen to, and when each happens. */
export const AUTOMATION_EVENTS: [string, string][] = [
  ["version_created", "a version is registered"],
  ["alias_set", "an alias is set or moved (promotion, rollback)"],
  ["alias_removed", "an alias is removed"],
  ["tag_set", "a tag is set"],
  ["tag_removed", "a tag is removed"],
  ["description_changed", "the model card or a version's description is edited"],
  ["model_renamed", "the model is renamed"],
  ["version_deleted", "a version is deleted"],
];

function message(e: unknown): string {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

export function Automations(props: { model: string; refresh: number }) {
  const [automations, setAutomations] = useState<Automation[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Automation | null>(null);
  useEffect(() => {
    setError(null);
    listAutomations(props.model).then(setAutomations, (e: ApiError) => setError(e));
  }, [props.model, props.refresh]);

  if (error) return <Message kind="error" title="Automations could not be loaded">{error.message}</Message>;
  if (!automations) return <p class="loading">Loading automations…</p>;
  const replace = (a: Automation) => setAutomations(automations.map((x) => (x.id === a.id ? a : x)));
  return (
    <div class="automations">
      <div class="section-tools">
        <h2>Automations</h2>
        <span class="muted">webhooks Headway calls (POST, JSON) when something happens to {props.model}</span>
        <button type="button" class="primary" onClick={() => setCreating(true)} disabled={creating}>
          New automation…
        </button>
      </div>
      {creating ? (
        <AutomationForm
          model={props.model}
          onCancel={() => setCreating(false)}
          onCreated={(a) => {
            setAutomations([...automations, a]);
            setCreating(false);
          }}
        />
      ) : null}
      {automations.length === 0 && !creating ? (
        <p class="muted">No automations yet: <strong>New automation…</strong> calls a webhook on events such as <code>alias_set</code> (a promotion).</p>
      ) : null}
      {automations.map((a) => (
        <AutomationView automation={a} refresh={props.refresh} onChange={replace} onDelete={() => setDeleting(a)} key={a.id} />
      ))}
      {deleting ? (
        <DeleteDialog
          automation={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setAutomations(automations.filter((x) => x.id !== deleting.id));
            setDeleting(null);
          }}
        />
      ) : null}
    </div>
  );
}

function AutomationForm(props: { model: string; onCreated: (a: Automation) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [events, setEvents] = useState<string[]>(["alias_set"]);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []);
  const toggle = (event: string, on: boolean) =>
    setEvents(AUTOMATION_EVENTS.map(([e]) => e).filter((e) => (e === event ? on : events.includes(e))));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await createAutomation({
        model: props.model,
        name: name.trim(),
        events,
        url: url.trim(),
        secret: secret === "" ? null : secret,
      });
      props.onCreated(created);
    } catch (problem) {
      setError(message(problem));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="section-box automation-form" aria-label="New automation" onSubmit={submit}>
      <h2>New automation for {props.model}</h2>
      <label for="automation-name">Name</label>
      <input id="automation-name" type="text" required maxLength={128} placeholder="notify-deploy" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} ref={nameInput} />
      <fieldset>
        <legend>Events</legend>
        {AUTOMATION_EVENTS.map(([event, when]) => (
          <label class="event-choice" key={event}>
            <input type="checkbox" checked={events.includes(event)} onChange={(e) => toggle(event, (e.target as HTMLInputElement).checked)} />
            <code>{event}</code> <span class="muted">— {when}</span>
          </label>
        ))}
      </fieldset>
      <label for="automation-url">Webhook URL</label>
      <input id="automation-url" type="url" required placeholder="https://ci.example.org/hooks/deploy" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
      <label for="automation-secret">Secret (optional)</label>
      <input
        id="automation-secret"
        type="password"
        autocomplete="new-password"
        aria-describedby="automation-secret-hint"
        value={secret}
        onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
      />
      <p class="muted field-hint" id="automation-secret-hint">
        At least 16 characters. With a secret, every delivery is signed: <code>X-Headway-Signature: sha256=…</code>, an HMAC-SHA256 over{" "}
        <code>X-Headway-Timestamp</code>, a dot and the body. Headway stores it encrypted and never shows it again.
      </p>
      {error ? <Message kind="error" title="The automation was not created">{error}</Message> : null}
      <div class="row-buttons">
        <button type="submit" class="primary" disabled={busy || events.length === 0} title={events.length === 0 ? "Choose at least one event" : undefined}>
          {busy ? "Creating…" : "Create automation"}
        </button>
        <button type="button" onClick={props.onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeleteDialog(props: { automation: Automation; onClose: () => void; onDeleted: () => void }) {
  const a = props.automation;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await deleteAutomation(a.id);
      props.onDeleted();
    } catch (problem) {
      setError(message(problem));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete automation ${a.name}`} onClose={props.onClose}>
      <p class="dialog-summary">
        <strong>{a.name}</strong> stops calling <span class="mono">{a.url}</span>
        {a.model === null ? " for every model" : ""}, and its delivery history is deleted with it. This cannot be undone; to pause it,
        disable it instead.
      </p>
      {error ? <Message kind="error" title="Not deleted">{error}</Message> : null}
      <div class="row-buttons">
        <button type="button" class="danger" onClick={confirm} disabled={busy}>
          {busy ? "Deleting…" : `Delete ${a.name}`}
        </button>
        <button type="button" onClick={props.onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function AutomationView(props: { automation: Automation; refresh: number; onChange: (a: Automation) => void; onDelete: () => void }) {
  const a = props.automation;
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [toggleError, setToggleError] = useState<string | null>(null);
  useEffect(() => {
    listDeliveries(a.id).then(setDeliveries, (e: ApiError) => setError(e));
  }, [a.id, props.refresh]);

  const toggle = async () => {
    setBusy(true);
    setToggleError(null);
    try {
      props.onChange(await setAutomationEnabled(a.id, !a.enabled));
    } catch (problem) {
      setToggleError(message(problem));
    } finally {
      setBusy(false);
    }
  };

  const columns: Column<Delivery>[] = [
    { key: "at", title: "When", width: 190, render: (d) => formatTime(d.at) },
    { key: "event", title: "Event", width: 70, render: (d) => <span class="num">#{d.event_id}</span> },
    { key: "attempt", title: "Attempt", width: 80, render: (d) => <span class="num">{d.attempt}</span> },
    { key: "ok", title: "Result", width: 90, render: (d) => <span class={d.ok ? "delivery-ok" : "delivery-failed"}>{d.ok ? "✓ ok" : "✗ failed"}</span> },
    { key: "status", title: "Status", width: 70, render: (d) => <span class="num">{d.status_code ?? "—"}</span> },
    { key: "duration", title: "Took", width: 80, render: (d) => <span class="num">{Math.round(d.duration_ms)} ms</span> },
    {
      key: "response",
      title: "Response",
      width: 460,
      render: (d) => {
        const text = d.error ? d.error : d.response;
        return <span class={`mono${d.error ? " delivery-failed" : ""}`} title={text}>{text.length > SNIPPET ? `${text.slice(0, SNIPPET)}…` : text || "(empty)"}</span>;
      },
    },
  ];
  const failed = deliveries?.filter((d) => !d.ok).length ?? 0;
  return (
    <section class="section-box" aria-label={`Automation ${a.name}`}>
      <div class="page-head automation-head">
        <h2>{a.name}</h2>
        <span class={`state ${a.enabled ? "state-running" : ""}`}>{a.enabled ? "enabled" : "disabled"}</span>
        {a.has_secret ? <span class="muted" title="Deliveries carry an HMAC signature">signed</span> : null}
        {a.model === null ? <span class="muted" title="Created without a model: it listens to every registered model">every model</span> : null}
        <span class="automation-actions">
          <button type="button" class="small" onClick={toggle} disabled={busy} aria-label={`${a.enabled ? "Disable" : "Enable"} ${a.name}`}>
            {a.enabled ? "Disable" : "Enable"}
          </button>
          <button type="button" class="small danger" onClick={props.onDelete} aria-label={`Delete ${a.name}…`}>
            Delete…
          </button>
        </span>
      </div>
      <p>
        On {a.events.map((e) => <code key={e}>{e} </code>)} → POST <span class="mono">{a.url}</span> <span class="muted">· created {formatTime(a.created_at)}</span>
      </p>
      {toggleError ? <Message kind="error" title={`Not ${a.enabled ? "disabled" : "enabled"}`}>{toggleError}</Message> : null}
      {error ? <Message kind="error" title="Deliveries could not be loaded">{error.message}</Message> : null}
      {deliveries && deliveries.length === 0 ? <p class="muted">No deliveries yet.</p> : null}
      {deliveries && deliveries.length > 0 ? (
        <>
          <p class="muted">
            {deliveries.length} {deliveries.length === 1 ? "delivery" : "deliveries"}, {failed} failed, newest first
          </p>
          <VirtualTable label={`Deliveries of ${a.name}`} rows={deliveries} columns={columns} rowKey={(d) => String(d.id)} height={Math.min(320, 36 + deliveries.length * 32)} />
        </>
      ) : null}
    </section>
  );
}
