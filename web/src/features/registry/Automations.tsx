// The model's automations (signed webhooks on registry events) and every delivery attempt
// with the answer it got.
import { useEffect, useState } from "preact/hooks";
import { ApiError, listAutomations, listDeliveries, type Automation, type Delivery } from "../../api/client";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatTime } from "../../components/format";

const SNIPPET = 120;

export function Automations(props: { model: string; refresh: number }) {
  const [automations, setAutomations] = useState<Automation[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    listAutomations(props.model).then(setAutomations, (e: ApiError) => setError(e));
  }, [props.model, props.refresh]);

  if (error) return <Message kind="error" title="Automations could not be loaded">{error.message}</Message>;
  if (!automations) return <p class="loading">Loading automations…</p>;
  if (!automations.length)
    return (
      <p class="muted">
        No automations. Create one with <code>POST /api/v1/registry/automations</code> (a webhook called on events such as <code>alias_set</code>).
      </p>
    );
  return (
    <div class="automations">
      {automations.map((a) => (
        <AutomationView automation={a} refresh={props.refresh} key={a.id} />
      ))}
    </div>
  );
}

function AutomationView(props: { automation: Automation; refresh: number }) {
  const a = props.automation;
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    listDeliveries(a.id).then(setDeliveries, (e: ApiError) => setError(e));
  }, [a.id, props.refresh]);

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
      <div class="page-head">
        <h2>{a.name}</h2>
        <span class={`state ${a.enabled ? "state-running" : ""}`}>{a.enabled ? "enabled" : "disabled"}</span>
        {a.has_secret ? <span class="muted" title="Deliveries carry an HMAC signature">signed</span> : null}
      </div>
      <p>
        On {a.events.map((e) => <code key={e}>{e} </code>)} → POST <span class="mono">{a.url}</span> <span class="muted">· created {formatTime(a.created_at)}</span>
      </p>
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
