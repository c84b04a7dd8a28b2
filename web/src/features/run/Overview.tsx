// The run's overview: where and how it ran, its config as a tree, its summary, and the
// tags and notes anyone can edit here.
import { useState } from "preact/hooks";
import { ApiError, patchRun, type Run } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatDuration, formatTime, formatValue } from "../../components/format";
import { ExplanationPanel } from "./ExplanationPanel";
import { tabPath } from "./tabs";

interface GitInfo {
  commit?: string;
  branch?: string;
  remote?: string;
  dirty?: boolean;
}

export function duration(run: Run, now = Date.now()): number {
  const start = new Date(run.created_at).getTime();
  const end = run.finished_at ? new Date(run.finished_at).getTime() : run.state === "running" ? now : new Date(run.updated_at).getTime();
  return Math.max(0, (end - start) / 1000);
}

export function Overview(props: { run: Run; files: string[]; onSaved: (run: Run) => void }) {
  const { run } = props;
  const meta = run.metadata as Record<string, unknown>;
  const git = meta.git as GitInfo | undefined;
  const argv = Array.isArray(meta.argv) ? (meta.argv as string[]).join(" ") : null;
  const hasDiff = props.files.includes("git/diff.patch");
  return (
    <div class="overview">
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <span class={`state state-${run.state}`}>{run.state}</span>
          {run.exit_code !== null && run.exit_code !== undefined ? <span class="muted"> exit code {run.exit_code}</span> : null}
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(run.created_at)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(duration(run))}{run.state === "running" ? " so far" : ""}</dd>
        {meta.hostname ? (<><dt>Host</dt><dd>{String(meta.hostname)}{meta.username ? <span class="muted"> as {String(meta.username)}</span> : null}</dd></>) : null}
        {argv ? (<><dt>Command</dt><dd><code>{argv}</code></dd></>) : null}
        {meta.python_version ? (<><dt>Python</dt><dd>{String(meta.python_version)}</dd></>) : null}
        {git?.commit ? (
          <>
            <dt>Git</dt>
            <dd>
              <code>{git.commit.slice(0, 12)}</code> {git.branch ? <span>on {git.branch}</span> : null}
              {git.dirty ? <span class="muted"> with uncommitted changes</span> : null}
              {hasDiff ? <> · <Link href={tabPath(run.id, "files", "git/diff.patch")}>see the diff</Link></> : null}
              {git.remote ? <div class="muted">{git.remote}</div> : null}
            </dd>
          </>
        ) : null}
        {run.group ? (<><dt>Group</dt><dd>{run.group}</dd></>) : null}
        {run.job_type ? (<><dt>Job type</dt><dd>{run.job_type}</dd></>) : null}
        {run.parent_id ? (<><dt>Parent</dt><dd><Link href={tabPath(run.parent_id, "overview")}>{run.parent_id}</Link></dd></>) : null}
        <dt>Id</dt>
        <dd><code>{run.id}</code></dd>
      </dl>
      {run.error ? (
        <Message kind="error" title="The run ended with an error">{run.error}</Message>
      ) : null}
      <TagsEditor run={run} onSaved={props.onSaved} />
      <KeyValueTags tags={run.kv_tags ?? {}} />
      <NotesEditor run={run} onSaved={props.onSaved} />
      <ExplanationPanel run={run} />
      <div class="two-columns">
        <section>
          <h2>Config</h2>
          <ConfigTree value={run.config} />
        </section>
        <section>
          <h2>Summary</h2>
          <SummaryTable summary={run.summary} />
        </section>
      </div>
    </div>
  );
}

function useSaving(run: Run, onSaved: (run: Run) => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (patch: Parameters<typeof patchRun>[1]) => {
    setBusy(true);
    setError(null);
    try {
      onSaved(await patchRun(run.id, patch));
      return true;
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { save, error, busy };
}

function TagsEditor(props: { run: Run; onSaved: (run: Run) => void }) {
  const { save, error, busy } = useSaving(props.run, props.onSaved);
  const [draft, setDraft] = useState("");
  const tags = props.run.tags;
  const add = async () => {
    const tag = draft.trim();
    if (!tag || tags.includes(tag)) return setDraft("");
    if (await save({ tags: [...tags, tag] })) setDraft("");
  };
  return (
    <section class="tags-editor">
      <h2>Tags</h2>
      <div class="tag-list">
        {tags.map((tag) => (
          <span class="tag" key={tag}>
            {tag}
            <button type="button" class="tag-remove" aria-label={`Remove tag ${tag}`} disabled={busy} onClick={() => save({ tags: tags.filter((t) => t !== tag) })}>
              ×
            </button>
          </span>
        ))}
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <input aria-label="New tag" placeholder="Add a tag" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
          <button type="submit" disabled={busy || !draft.trim()}>Add</button>
        </form>
      </div>
      {error ? <Message kind="error" title="The tags were not saved">{error}</Message> : null}
    </section>
  );
}

// Key -> value tags, as MLflow clients and importers write them (searchable as tag.<key>).
// Tags the tools set themselves (mlflow.*) come after the user's own.
export function KeyValueTags(props: { tags: Record<string, string> }) {
  const entries = Object.entries(props.tags).sort(([a], [b]) => {
    const system = Number(a.startsWith("mlflow.")) - Number(b.startsWith("mlflow."));
    return system || a.localeCompare(b);
  });
  if (!entries.length) return null;
  return (
    <section class="kv-tags">
      <h2>Key-value tags</h2>
      <table class="kv-table">
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key}>
              <th scope="row"><code>{key}</code></th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function NotesEditor(props: { run: Run; onSaved: (run: Run) => void }) {
  const { save, error, busy } = useSaving(props.run, props.onSaved);
  const [draft, setDraft] = useState<string | null>(null);
  const editing = draft !== null;
  return (
    <section class="notes-editor">
      <h2>Notes</h2>
      {editing ? (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if (await save({ notes: draft })) setDraft(null);
          }}
        >
          <textarea aria-label="Notes" rows={4} value={draft} onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)} />
          <div class="row-buttons">
            <button type="submit" disabled={busy}>Save notes</button>
            <button type="button" onClick={() => setDraft(null)}>Cancel</button>
          </div>
        </form>
      ) : (
        <div class="notes">
          {props.run.notes ? <p class="notes-text">{props.run.notes}</p> : <p class="muted">No notes yet.</p>}
          <button type="button" onClick={() => setDraft(props.run.notes)}>Edit notes</button>
        </div>
      )}
      {error ? <Message kind="error" title="The notes were not saved">{error}</Message> : null}
    </section>
  );
}

/** Nested config as an expandable tree; lists longer than a few items fold away. */
export function ConfigTree(props: { value: Record<string, unknown> }) {
  const entries = Object.entries(props.value).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return <p class="muted">No config.</p>;
  return (
    <ul class="tree" role="tree">
      {entries.map(([key, value]) => (
        <TreeNode name={key} value={value} key={key} />
      ))}
    </ul>
  );
}

function TreeNode(props: { name: string; value: unknown }) {
  const { name, value } = props;
  const nested = value !== null && typeof value === "object";
  if (!nested)
    return (
      <li role="treeitem">
        <span class="tree-key">{name}</span> <span class="tree-value">{formatValue(value)}</span>
      </li>
    );
  const items = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const scalarList = Array.isArray(value) && value.every((v) => v === null || typeof v !== "object");
  return (
    <li role="treeitem">
      <details open={items.length <= 8}>
        <summary>
          <span class="tree-key">{name}</span> <span class="muted">{Array.isArray(value) ? `[${items.length}]` : `{${items.length}}`}</span>
        </summary>
        {scalarList ? (
          <div class="tree-list">{(value as unknown[]).map((v) => formatValue(v)).join(", ")}</div>
        ) : (
          <ul role="group">
            {items.map(([k, v]) => (
              <TreeNode name={k} value={v} key={k} />
            ))}
          </ul>
        )}
      </details>
    </li>
  );
}

function SummaryTable(props: { summary: Record<string, unknown> }) {
  const [find, setFind] = useState("");
  const entries = Object.entries(props.summary)
    .filter(([k]) => k.toLowerCase().includes(find.trim().toLowerCase()))
    .sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <input type="search" aria-label="Find in summary" placeholder="Find a key" value={find} onInput={(e) => setFind((e.target as HTMLInputElement).value)} />
      {entries.length ? (
        <table class="kv">
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th>{key}</th>
                <td class="num">{formatValue(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">{Object.keys(props.summary).length ? "No key matches." : "No summary yet."}</p>
      )}
    </>
  );
}
