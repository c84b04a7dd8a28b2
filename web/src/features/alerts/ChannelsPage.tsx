// Where a project's alerts go: each channel with a "Send test" that shows what the receiver
// answered, enable / disable, delete; and a form to add one per type. Secrets are typed
// into password fields, stored encrypted by the server and never shown again.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Message } from "../../components/Message";
import { Dialog } from "../registry/Dialog";
import "../registry/registry.css";
import { createChannel, deleteChannel, listChannels, setChannelEnabled, testChannel, type Channel, type ChannelTest } from "./api";
import { AlertsHeader, errorText, SeverityBadge } from "./bits";
import { CHANNEL_TYPES, channelField, channelToWire, channelWhere, EMPTY_CHANNEL, SECRET_LABEL, SMTP_PORTS, testAnswer, type ChannelForm } from "./channelForm";
import { SEVERITIES } from "./inbox";
import { Field, type FieldErrors } from "./RuleFields";

export function ChannelsPage(props: { project: string }) {
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<Channel | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    listChannels(props.project, abort.signal).then(setChannels, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    });
    return () => abort.abort();
  }, [props.project]);

  const replace = (c: Channel) => setChannels((list) => list?.map((x) => (x.id === c.id ? c : x)) ?? null);

  return (
    <section class="channels-page">
      <AlertsHeader
        project={props.project}
        tab="channels"
        title="Alert channels"
        count={channels ? `${channels.length} ${channels.length === 1 ? "channel" : "channels"}` : ""}
        hint="Where this project's alerts are sent when they fire, are acknowledged and resolve. A rule goes to every enabled channel unless it names some; each channel only takes alerts at or above its minimum severity."
        tools={
          <button type="button" class="primary" onClick={() => setAdding(true)} disabled={adding}>
            Add channel…
          </button>
        }
      />
      {error ? <Message kind="error" title="Channels could not be loaded">{error.message}</Message> : null}
      {adding ? (
        <ChannelFormView
          project={props.project}
          onCancel={() => setAdding(false)}
          onCreated={(c) => {
            setChannels((list) => [...(list ?? []), c]);
            setAdding(false);
          }}
        />
      ) : null}
      {!channels && !error ? <p class="loading">Loading channels…</p> : null}
      {channels && channels.length === 0 && !adding ? (
        <section class="empty al-empty">
          <p>
            <strong>No channels yet.</strong> Without one, alerts appear only in Headway's inbox. Add a channel to tell people where they already are: a Slack
            channel, an email list, PagerDuty for whoever is on call, or a webhook that starts a job (for example, retraining the model).
          </p>
          <button type="button" class="primary" onClick={() => setAdding(true)}>
            Add channel…
          </button>
        </section>
      ) : null}
      {channels && channels.length > 0 ? (
        <table class="mon-table al-channels" aria-label="Alert channels">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Sends to</th>
              <th>Minimum severity</th>
              <th>Secret</th>
              <th>Status</th>
              <th>Test</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {channels.map((c) => (
              <ChannelRow project={props.project} channel={c} onChange={replace} onDelete={() => setDeleting(c)} key={c.id} />
            ))}
          </tbody>
        </table>
      ) : null}
      {deleting ? (
        <DeleteChannelDialog
          project={props.project}
          channel={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setChannels((list) => list?.filter((x) => x.id !== deleting.id) ?? null);
            setDeleting(null);
          }}
        />
      ) : null}
    </section>
  );
}

function ChannelRow(props: { project: string; channel: Channel; onChange: (c: Channel) => void; onDelete: () => void }) {
  const c = props.channel;
  const [testing, setTesting] = useState(false);
  const [answer, setAnswer] = useState<ChannelTest | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const test = async () => {
    setTesting(true);
    setAnswer(null);
    setProblem(null);
    try {
      setAnswer(await testChannel(props.project, c.name));
    } catch (e) {
      setProblem(errorText(e));
    } finally {
      setTesting(false);
    }
  };
  const toggle = async () => {
    setBusy(true);
    setProblem(null);
    try {
      props.onChange(await setChannelEnabled(props.project, c.name, !c.enabled));
    } catch (e) {
      setProblem(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const label = CHANNEL_TYPES.find(([t]) => t === c.type)?.[1] ?? c.type;
  return (
    <tr class={c.enabled ? "" : "al-disabled"}>
      <td>
        <strong>{c.name}</strong>
      </td>
      <td>
        <span class="type-badge">{label}</span>
      </td>
      <td class={`al-where${c.type === "webhook" ? " al-mono" : ""}`}>{channelWhere(c)}</td>
      <td>
        <SeverityBadge severity={c.min_severity} />
      </td>
      <td>{c.has_secret ? <span title="Stored encrypted; never shown again">set ●●●●</span> : <span class="muted">none</span>}</td>
      <td>
        <span class={`state ${c.enabled ? "state-running" : ""}`}>{c.enabled ? "enabled" : "disabled"}</span>
      </td>
      <td class="al-test">
        <button type="button" class="small" onClick={test} disabled={testing} aria-label={`Send test to ${c.name}`}>
          {testing ? "Sending…" : "Send test"}
        </button>
        {answer ? (
          <span class={`al-answer ${answer.ok ? "delivery-ok" : "delivery-failed"}`} role="status" aria-label={`Test answer from ${c.name}`} title={answer.response || answer.error || ""}>
            {answer.ok ? "✓ " : "✗ "}
            {testAnswer(answer)}
          </span>
        ) : null}
        {problem ? (
          <span class="al-answer delivery-failed" role="alert">
            {problem}
          </span>
        ) : null}
      </td>
      <td>
        <span class="al-row-actions">
        <button type="button" class="small" onClick={toggle} disabled={busy} aria-label={`${c.enabled ? "Disable" : "Enable"} ${c.name}`}>
          {c.enabled ? "Disable" : "Enable"}
        </button>
        <button type="button" class="small danger" onClick={props.onDelete} aria-label={`Delete ${c.name}…`}>
          Delete…
        </button>
        </span>
      </td>
    </tr>
  );
}

function ChannelFormView(props: { project: string; onCreated: (c: Channel) => void; onCancel: () => void }) {
  const [form, setForm] = useState<ChannelForm>(EMPTY_CHANNEL);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<ChannelForm>) => {
    setErrors({});
    setGeneral(null);
    setForm({ ...form, ...change });
  };
  const input = (key: keyof ChannelForm) => (e: Event) => set({ [key]: (e.target as HTMLInputElement).value } as Partial<ChannelForm>);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral(null);
    try {
      props.onCreated(await createChannel(props.project, channelToWire(form)));
    } catch (problem) {
      const details = problem instanceof ApiError ? problem.details : {};
      const field = channelField(typeof details.field === "string" ? details.field : null, errorText(problem), problem instanceof ApiError ? problem.code : "");
      if (field) setErrors({ [field]: errorText(problem) });
      else setGeneral(errorText(problem));
      setBusy(false);
    }
  };
  const t = form.type;
  return (
    <form class="section-box al-channel-form" aria-label="New channel" onSubmit={submit} noValidate>
      <h2>New channel</h2>
      <div class="al-radios al-inline" role="radiogroup" aria-label="Type">
        {CHANNEL_TYPES.map(([type, label, hint]) => (
          <label class={`al-radio${t === type ? " on" : ""}`} key={type} title={hint}>
            <input type="radio" name="channel-type" checked={t === type} onChange={() => set({ type, secret: "" })} /> {label}
          </label>
        ))}
      </div>
      <p class="muted al-small">{CHANNEL_TYPES.find(([type]) => type === t)?.[2]}.</p>
      <div class="al-row">
        <Field id="channel-name" label="Name" errors={errors} field="name">
          <input id="channel-name" type="text" maxLength={128} placeholder={t === "slack" ? "advisors" : t === "email" ? "data-team" : t === "pagerduty" ? "on-call" : "retrain"} value={form.name} onInput={input("name")} />
        </Field>
        <Field id="channel-severity" label="Only alerts at or above" errors={errors} field="minSeverity">
          <select id="channel-severity" value={form.minSeverity} onChange={input("minSeverity")}>
            {[...SEVERITIES].reverse().map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {t === "webhook" ? (
        <Field id="channel-endpoint" label="Endpoint URL" errors={errors} field="endpoint" hint="Headway POSTs JSON there; any 2xx answer counts as delivered.">
          <input id="channel-endpoint" type="url" placeholder="https://ci.example.edu/hooks/retrain" value={form.endpoint} onInput={input("endpoint")} />
        </Field>
      ) : null}
      {t === "email" ? (
        <>
          <div class="al-row">
            <Field id="channel-host" label="SMTP host" errors={errors} field="host">
              <input id="channel-host" type="text" placeholder="smtp.example.edu" value={form.host} onInput={input("host")} />
            </Field>
            <Field id="channel-security" label="Security" errors={errors} field="security">
              <select id="channel-security" value={form.security} onChange={(e) => { const security = (e.target as HTMLSelectElement).value as ChannelForm["security"]; set({ security, port: SMTP_PORTS[security] }); }}>
                <option value="starttls">STARTTLS (usually port 587)</option>
                <option value="tls">TLS from the start (usually 465)</option>
                <option value="none">none (a local relay, port 25)</option>
              </select>
            </Field>
            <Field id="channel-port" label="Port" errors={errors} field="port">
              <input id="channel-port" type="number" class="al-short" value={form.port} onInput={input("port")} />
            </Field>
          </div>
          <Field id="channel-sender" label="From" errors={errors} field="sender">
            <input id="channel-sender" type="text" placeholder="Headway <alerts@example.edu>" value={form.sender} onInput={input("sender")} />
          </Field>
          <Field id="channel-to" label="To" errors={errors} field="to" hint="One or more addresses, separated by commas.">
            <input id="channel-to" type="text" placeholder="data-team@example.edu, advisor@example.edu" value={form.to} onInput={input("to")} />
          </Field>
          <Field id="channel-username" label="Username (optional)" errors={errors} field="username" hint="With a username, Headway logs in (AUTH) with the password below.">
            <input id="channel-username" type="text" autocomplete="off" value={form.username} onInput={input("username")} />
          </Field>
        </>
      ) : null}
      <Field
        id="channel-secret"
        label={SECRET_LABEL[t]}
        errors={errors}
        field="secret"
        hint={
          t === "webhook"
            ? "With a secret, every POST is signed (X-Headway-Signature, HMAC-SHA256), so the receiver can check it came from Headway."
            : t === "slack"
              ? "Slack → your app → Incoming Webhooks: https://hooks.slack.com/services/…. Anyone holding it can post to the channel, so it is kept as a secret."
              : t === "pagerduty"
                ? "The 32-character Integration Key of an Events API v2 integration."
                : undefined
        }
      >
        <input id="channel-secret" type="password" autocomplete="new-password" value={form.secret} onInput={input("secret")} />
      </Field>
      <p class="muted al-small">Secrets are stored encrypted and never shown again, here or by the API: to change one, delete the channel and add it anew.</p>
      {general ? <Message kind="error" title="The channel was not added">{general}</Message> : null}
      <div class="row-buttons">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Adding…" : "Add channel"}
        </button>
        <button type="button" onClick={props.onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeleteChannelDialog(props: { project: string; channel: Channel; onClose: () => void; onDeleted: () => void }) {
  const c = props.channel;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await deleteChannel(props.project, c.name);
      props.onDeleted();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete channel ${c.name}`} onClose={props.onClose}>
      <p class="dialog-summary">
        Alerts stop going to <strong>{c.name}</strong> ({channelWhere(c)}), and its secret is deleted.
        To pause it instead, disable it.
      </p>
      {error ? <Message kind="error" title="Not deleted">{error}</Message> : null}
      <div class="row-buttons">
        <button type="button" class="danger" onClick={confirm} disabled={busy}>
          {busy ? "Deleting…" : `Delete ${c.name}`}
        </button>
        <button type="button" onClick={props.onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
