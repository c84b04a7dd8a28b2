// One registered model: its aliases (roll back), card, versions (promote, compare), the
// event history, automations and a side-by-side comparison of versions.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getModel, listModelVersions, type ModelVersion, type RegisteredModel } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { modelPath, navigate, registryPath } from "../../lib/route";
import { PromoteDialog, RollbackDialog } from "./AliasDialogs";
import { Automations } from "./Automations";
import { ModelCard } from "./ModelCard";
import { ModelHistory } from "./ModelHistory";
import { ModelVersions } from "./ModelVersions";
import { VersionCompare } from "./VersionCompare";
import "./registry.css";
import { LockIcon } from "./LockIcon";

const TABS = { overview: "Overview", history: "History", automations: "Automations", compare: "Compare versions" } as const;
type Tab = keyof typeof TABS;

export function parseModelView(search: string): { tab: Tab; versions: number[] } {
  const params = new URLSearchParams(search);
  const raw = params.get("tab") ?? "overview";
  const versions = (params.get("versions") ?? "")
    .split(",")
    .map((v) => Number(v.replace(/^v/, "")))
    .filter((n) => Number.isInteger(n) && n > 0);
  return { tab: raw in TABS ? (raw as Tab) : "overview", versions };
}

type Open = { kind: "promote"; version: ModelVersion } | { kind: "rollback"; alias: string } | null;

export function ModelPage(props: { name: string; search: string }) {
  const view = parseModelView(props.search);
  const [model, setModel] = useState<RegisteredModel | null>(null);
  const [versions, setVersions] = useState<ModelVersion[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<number[]>(view.versions);

  useEffect(() => {
    setError(null);
    getModel(props.name).then(setModel, (e: ApiError) => setError(e));
    listModelVersions(props.name).then(setVersions, (e: ApiError) => setError(e));
  }, [props.name, tick]);

  const crumbs = (
    <p class="crumbs">
      <Link href={registryPath()}>registry</Link> /
    </p>
  );
  if (error)
    return (
      <section>
        {crumbs}
        <Message kind="error" title={`The model ${props.name} could not be loaded`}>{error.message}</Message>
      </section>
    );
  if (!model || !versions) return <p class="loading">Loading model…</p>;

  const done = (v: ModelVersion, alias: string) => {
    setOpen(null);
    setNotice(`${alias} now points at version ${v.version} (${v.artifact}:v${v.artifact_version}).`);
    setTick(tick + 1);
  };
  const tabHref = (tab: Tab, extra?: Record<string, string>) => modelPath(model.name, tab === "overview" ? extra : { tab, ...extra });

  return (
    <section class="model-page">
      {crumbs}
      <header class="page-head">
        <h1>{model.name}</h1>
        <span class="count">
          {model.version_count} {model.version_count === 1 ? "version" : "versions"} · updated {formatTime(model.updated_at)}
        </span>
      </header>
      {notice ? (
        <div class="notice" role="status">
          {notice} <button type="button" class="icon" aria-label="Dismiss" onClick={() => setNotice(null)}>×</button>
        </div>
      ) : null}
      <nav class="tabs" role="tablist" aria-label="Model views">
        {(Object.keys(TABS) as Tab[]).map((tab) => (
          <Link href={tab === "compare" ? tabHref(tab, { versions: selected.join(",") }) : tabHref(tab)} class={`tab${tab === view.tab ? " current" : ""}`} key={tab}>
            {TABS[tab]}
          </Link>
        ))}
      </nav>
      {view.tab === "overview" ? (
        <>
          <div class="model-overview">
            <AliasTable model={model} onRollback={(alias) => setOpen({ kind: "rollback", alias })} />
            <ModelCard
              model={model}
              onSaved={(saved) => {
                setModel(saved);
                setNotice("Model card saved: the History tab records the change.");
              }}
            />
          </div>
          <div class="section-tools">
            <h2>Versions</h2>
            <button type="button" class="primary" disabled={selected.length < 2} onClick={() => navigate(tabHref("compare", { versions: selected.join(",") }))}>
              {selected.length < 2 ? "Select versions to compare" : `Compare ${selected.length} selected`}
            </button>
          </div>
          <ModelVersions
            versions={versions}
            selected={selected}
            onSelect={setSelected}
            onPromote={(version) => setOpen({ kind: "promote", version })}
            protectedAliases={model.protected}
            height={Math.min(420, 36 + versions.length * 34)}
          />
        </>
      ) : null}
      {view.tab === "history" ? <ModelHistory model={model} versions={versions} refresh={tick} /> : null}
      {view.tab === "automations" ? <Automations model={model.name} refresh={tick} /> : null}
      {view.tab === "compare" ? <VersionCompare model={model} versions={versions} selected={view.versions} /> : null}
      {open?.kind === "promote" ? <PromoteDialog model={model} version={open.version} onClose={() => setOpen(null)} onDone={done} /> : null}
      {open?.kind === "rollback" ? <RollbackDialog model={model} alias={open.alias} onClose={() => setOpen(null)} onDone={done} /> : null}
    </section>
  );
}

function AliasTable(props: { model: RegisteredModel; onRollback: (alias: string) => void }) {
  const { model } = props;
  const aliases = Object.entries(model.aliases).sort(([a], [b]) => (a === "production" ? -1 : b === "production" ? 1 : a.localeCompare(b)));
  return (
    <section class="section-box" aria-label="Aliases">
      <h2>Aliases</h2>
      {aliases.length ? (
        <table class="kv alias-table">
          <tbody>
            {aliases.map(([alias, version]) => (
              <tr key={alias}>
                <th>
                  <span class={`alias-badge${alias === "production" ? " alias-production" : ""}`}>{alias}</span>
                </th>
                <td>
                  <strong>v{version}</strong>
                </td>
                <td class="muted">{model.protected[alias] ? <><LockIcon role={model.protected[alias]} /> role {model.protected[alias]}</> : ""}</td>
                <td>
                  <button type="button" class="small" aria-label={`Roll back ${alias}`} onClick={() => props.onRollback(alias)}>
                    Rollback…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No aliases yet: promote a version below.</p>
      )}
    </section>
  );
}
