// Registered models: their versions, where each alias points, and which aliases are protected.
import { useEffect, useState } from "preact/hooks";
import { ApiError, listModels, type RegisteredModel } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatAge } from "../../components/format";
import { modelPath, navigate } from "../../lib/route";
import "./registry.css";
import { LockIcon } from "./LockIcon";

export const FIRST_MODEL_CODE = `import headway

with headway.init(project="dropout", job_type="train") as run:
    ...  # train, then save the model into model/
    run.link_model("model/", "dropout-risk", aliases=["staging"])`;

/** The card's first line of prose: what the list shows as a summary. */
export function cardSummary(card: string): string {
  for (const line of card.split("\n")) {
    const text = line.trim();
    if (text && !text.startsWith("#") && !text.startsWith("```") && !text.startsWith("-")) return text.replace(/[*_`]/g, "");
  }
  return "";
}

export function ModelAliases(props: { model: RegisteredModel }) {
  const { model } = props;
  return (
    <>
      {Object.entries(model.aliases)
        .sort(([a], [b]) => (a === "production" ? -1 : b === "production" ? 1 : a.localeCompare(b)))
        .map(([alias, version]) => (
          <span class={`alias-badge${alias === "production" ? " alias-production" : ""}`} key={alias} title={model.protected[alias] ? `protected: moving it requires the role ${model.protected[alias]}` : undefined}>
            {model.protected[alias] ? <LockIcon role={model.protected[alias]} /> : null}
            {alias} → v{version}
          </span>
        ))}
    </>
  );
}

export function RegistryPage(props: { search: string }) {
  const query = new URLSearchParams(props.search).get("q") ?? "";
  const [draft, setDraft] = useState(query);
  const [models, setModels] = useState<RegisteredModel[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    setError(null);
    listModels(query).then(setModels, (e: ApiError) => setError(e));
  }, [query]);

  const columns: Column<RegisteredModel>[] = [
    { key: "name", title: "Model", width: 220, render: (m) => <Link href={modelPath(m.name)}>{m.name}</Link> },
    { key: "versions", title: "Versions", width: 90, render: (m) => <span class="num">{m.version_count.toLocaleString()}</span> },
    { key: "latest", title: "Latest", width: 80, render: (m) => (m.latest_version == null ? "" : `v${m.latest_version}`) },
    { key: "aliases", title: "Aliases", width: 300, render: (m) => <ModelAliases model={m} /> },
    { key: "updated", title: "Updated", width: 120, render: (m) => <span title={m.updated_at}>{formatAge(m.updated_at)}</span> },
    { key: "card", title: "About", width: 560, render: (m) => <span class="muted">{cardSummary(m.description)}</span> },
  ];

  return (
    <section class="registry-page">
      <header class="page-head">
        <h1>Model registry</h1>
        <span class="count">{models ? `${models.length.toLocaleString()} ${models.length === 1 ? "model" : "models"}` : ""}</span>
      </header>
      <form
        class="page-tools"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(draft.trim() ? `/registry?q=${encodeURIComponent(draft.trim())}` : "/registry", true);
        }}
      >
        <input type="search" aria-label="Search models by name" placeholder="Search models by name…" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
      </form>
      {error ? <Message kind="error" title="Models could not be loaded">{error.message}</Message> : null}
      {!models && !error ? <p class="loading">Loading models…</p> : null}
      {models && models.length === 0 && !query ? (
        <section class="empty">
          <p>No registered models yet. Link a model from a training run:</p>
          <pre class="code">{FIRST_MODEL_CODE}</pre>
        </section>
      ) : null}
      {models && models.length === 0 && query ? <Message kind="info" title={`No model name contains "${query}"`} /> : null}
      {models && models.length > 0 ? (
        <VirtualTable label="Registered models" rows={models} columns={columns} rowKey={(m) => m.name} height={Math.min(560, 36 + models.length * 32)} onOpen={(m) => navigate(modelPath(m.name))} />
      ) : null}
    </section>
  );
}
