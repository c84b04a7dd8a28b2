import { useEffect, useState } from "preact/hooks";
import { ApiError, getRun, type Run } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime, formatValue } from "../../components/format";
import { runColor } from "../../lib/colors";
import { projectPath } from "../../lib/route";

export function RunPage(props: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    getRun(props.runId).then(setRun, (e: ApiError) => setError(e));
  }, [props.runId]);

  if (error) return <Message kind="error" title="This run could not be loaded">{error.message}</Message>;
  if (!run) return <p class="loading">Loading run…</p>;
  const git = (run.metadata as { git?: { commit?: string; branch?: string } }).git;
  return (
    <section class="run-page">
      <p class="crumbs">
        <Link href={projectPath(run.project)}>{run.project}</Link> /
      </p>
      <header class="page-head">
        <span class="run-dot big" style={{ background: runColor(run.id) }} />
        <h1>{run.name}</h1>
        <span class={`state state-${run.state}`}>{run.state}</span>
      </header>
      <dl class="facts">
        <dt>Id</dt>
        <dd><code>{run.id}</code></dd>
        <dt>Created</dt>
        <dd>{formatTime(run.created_at)}</dd>
        {run.finished_at ? (<><dt>Finished</dt><dd>{formatTime(run.finished_at)}</dd></>) : null}
        {run.group ? (<><dt>Group</dt><dd>{run.group}</dd></>) : null}
        {git?.commit ? (<><dt>Git</dt><dd><code>{git.commit.slice(0, 10)}</code> {git.branch ?? ""}</dd></>) : null}
        <dt>Tags</dt>
        <dd>{run.tags.length ? run.tags.map((t) => <span class="tag" key={t}>{t}</span>) : "—"}</dd>
        {run.notes ? (<><dt>Notes</dt><dd>{run.notes}</dd></>) : null}
        {run.error ? (<><dt>Error</dt><dd><pre class="code">{run.error}</pre></dd></>) : null}
      </dl>
      <div class="two-columns">
        <section>
          <h2>Config</h2>
          <KeyValues values={run.config} />
        </section>
        <section>
          <h2>Summary</h2>
          <KeyValues values={run.summary} />
        </section>
      </div>
    </section>
  );
}

function KeyValues(props: { values: Record<string, unknown> }) {
  const entries = Object.entries(props.values).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return <p class="muted">None.</p>;
  return (
    <table class="kv">
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th>{key}</th>
            <td>
              {value && typeof value === "object" && !Array.isArray(value) ? (
                <KeyValues values={value as Record<string, unknown>} />
              ) : (
                formatValue(value)
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
