// Audit: what the model predicted for a student (or any prediction id), with the exact
// inputs it saw, the model version, and the outcome once known.
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { getAudit, type AuditRow } from "./api";
import { Help } from "./bits";
import type { TabProps } from "./MonitorPage";
import { PredictionLookup } from "./PredictionLookup";
import { auditFields, num, parseIds, type AuditField } from "./transforms";

export function AuditTab(props: TabProps) {
  const { monitor, view } = props;
  const [ids, setIds] = useState(view.id ?? "");
  const [version, setVersion] = useState(view.version ?? "");
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const wanted = parseIds(view.id ?? "");
  const mv = view.version && /^\d+$/.test(view.version) ? Number(view.version) : null;

  useEffect(() => {
    setIds(view.id ?? "");
    setVersion(view.version ?? "");
    if (!wanted.length) {
      setRows(null);
      return;
    }
    const abort = new AbortController();
    setRows(null);
    setError(null);
    getAudit(monitor.spec.project, monitor.spec.name, wanted, mv, abort.signal).then(setRows, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    });
    return () => abort.abort();
  }, [view.id, view.version, monitor.spec.project, monitor.spec.name]);

  const fields = rows ? auditFields(rows, monitor.spec) : [];
  const found = new Set((rows ?? []).map((r) => String(r.__id)));
  const missing = rows ? wanted.filter((id) => !found.has(id)) : [];

  return (
    <div class="mon-audit">
      <PredictionLookup
        label="Look up predictions"
        id={ids}
        version={version}
        idPlaceholder="e.g. S00008500 (several: separate with commas)"
        versionPlaceholder="any"
        idSize={40}
        submit="Look up"
        onId={setIds}
        onVersion={setVersion}
        onSubmit={() => props.go({ id: parseIds(ids).join(",") || null, version: version.trim() || null })}
      >
        <Help text="Every logged prediction keeps the exact inputs the model saw, its score, the model version that made it and, once known, the real outcome, so any single decision can be explained later." wide />
      </PredictionLookup>
      {view.version && mv === null ? <Message kind="error" title="A model version is a whole number">Leave it empty to see predictions of every version.</Message> : null}
      {!wanted.length ? (
        <p class="muted">
          Enter the id the prediction was logged with (the <code>ids=</code> given to <code>monitor.log</code>, such as a student number) to see what the model predicted for it, from which
          inputs, and what really happened.
        </p>
      ) : null}
      {error ? <Message kind="error" title="The audit trail could not be read">{error.message}</Message> : null}
      {wanted.length && !rows && !error ? <p class="loading">Searching the logged predictions…</p> : null}
      {rows && rows.length === 0 ? (
        <Message kind="info" title={`No prediction was logged with ${wanted.length === 1 ? `the id ${wanted[0]}` : "these ids"}${mv !== null ? ` by model version ${mv}` : ""}`}>
          Check the id (ids are matched exactly) or leave the model version empty. Predictions deleted by the monitor's retention period cannot be shown.
        </Message>
      ) : null}
      {rows && rows.length ? (
        <>
          {missing.length ? <p class="muted">Not found: {missing.join(", ")}</p> : null}
          <AuditTable rows={rows} fields={fields} monitor={props.monitor} axis={props.axis} href={props.href} />
        </>
      ) : null}
    </div>
  );
}

function cellText(field: AuditField, value: AuditRow[string], decision: string | null | undefined): string {
  if (value === null || value === undefined) return field.key === "__label" ? "" : "missing";
  if (decision && field.key === decision && (value === 0 || value === 1 || value === "0" || value === "1"))
    return Number(value) === 1 ? "1 · flagged" : "0 · not flagged";
  if (field.key === "__ts" && typeof value === "string") return `${formatTime(value)}`;
  if (field.key === "__mv") return `v${value}`;
  if (typeof value === "number") return num(value, 4);
  return String(value);
}

function WindowLink(props: { at: AuditRow[string]; axis: TabProps["axis"]; href: TabProps["href"] }) {
  if (typeof props.at !== "string") return null;
  const t = Date.parse(props.at);
  const i = props.axis.starts.findIndex((s, k) => s <= t && t < props.axis.ends[k]);
  if (i < 0) return null;
  return (
    <div class="mon-small">
      <Link href={props.href({ tab: "overview", window: new Date(props.axis.starts[i]).toISOString(), id: null, version: null })}>its window's findings</Link>
    </div>
  );
}

function AuditTable(props: { rows: AuditRow[]; fields: AuditField[]; monitor: TabProps["monitor"]; axis: TabProps["axis"]; href: TabProps["href"] }) {
  const { rows, fields, monitor } = props;
  const decision = monitor.spec.prediction_label;
  const explainable = monitor.spec.explain_rows > 0 || !!monitor.spec.model;
  const groups: { name: string; of: AuditField["group"][] }[] = [
    { name: "Prediction", of: ["prediction"] },
    { name: "What really happened", of: ["outcome"] },
    { name: "Inputs the model saw", of: ["input"] },
    { name: "Other columns", of: ["other"] },
  ];
  const verdict = (row: AuditRow): string | null => {
    const label = row.__label;
    if (label === null || label === undefined) return null;
    const said = decision ? row[decision] : monitor.spec.prediction && typeof row[monitor.spec.prediction] === "number" ? Number((row[monitor.spec.prediction] as number) >= monitor.spec.decision_threshold) : null;
    if (said === null || said === undefined) return null;
    return String(said) === String(label) ? "right" : "wrong";
  };
  return (
    <div class="mon-audit-scroll">
      <table class="mon-table mon-audit-table" aria-label="Audit trail">
        <thead>
          <tr>
            <th scope="col">Id</th>
            {rows.map((r, i) => (
              <th scope="col" key={i}>
                {String(r.__id)}
                {explainable ? (
                  <div class="mon-small">
                    <Link href={props.href({ tab: "explanations", id: String(r.__id), version: r.__mv === null || r.__mv === undefined ? null : String(r.__mv) })}>Why? (explanation)</Link>
                  </div>
                ) : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => {
            const shown = fields.filter((f) => g.of.includes(f.group));
            if (!shown.length) return null;
            return [
              <tr class="mon-audit-group" key={g.name}>
                <th colSpan={rows.length + 1}>{g.name}</th>
              </tr>,
              ...shown.map((f) => (
                <tr key={f.key}>
                  <th scope="row">{f.label}</th>
                  {rows.map((r, i) => (
                    <td key={i} class={r[f.key] === null || r[f.key] === undefined ? "muted" : typeof r[f.key] === "number" ? "num-left" : ""}>
                      {cellText(f, r[f.key], decision)}
                      {f.key === "__ts" ? <WindowLink {...props} at={r.__ts} /> : null}
                      {f.key === "__label" ? r.__label === null || r.__label === undefined ? <span class="muted">not known yet</span> : <AuditVerdict verdict={verdict(r)} /> : null}
                    </td>
                  ))}
                </tr>
              )),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}

function AuditVerdict(props: { verdict: string | null }) {
  if (!props.verdict) return null;
  return <span class={`mon-verdict verdict-${props.verdict === "right" ? "ok" : "alert"}`}>{props.verdict === "right" ? "prediction was right" : "prediction was wrong"}</span>;
}
