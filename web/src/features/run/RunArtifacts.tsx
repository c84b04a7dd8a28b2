// The run's artifacts: the versions it used and the ones it produced, and its lineage.
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, getRunArtifacts, getRunLineage, type ArtifactVersion, type LineageDirection, type RunArtifacts as Found } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { versionPath } from "../../lib/route";
import { LineagePanel } from "../artifacts/LineageGraph";
import { formatBytes } from "../artifacts/preview";

function VersionsTable(props: { versions: ArtifactVersion[]; label: string }) {
  return (
    <table class="projects run-artifacts" aria-label={props.label}>
      <thead>
        <tr>
          <th>Version</th>
          <th>Type</th>
          <th>Aliases</th>
          <th class="num">Size</th>
          <th class="num">Files</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {props.versions.map((v) => (
          <tr key={`${v.project}/${v.name}:${v.version}`}>
            <td>
              <Link href={versionPath(v.project, v.name, v.version)}>
                {v.name}:v{v.version}
              </Link>
              {v.deleted_at ? <span class="muted"> (deleted)</span> : null}
            </td>
            <td>{v.type}</td>
            <td>
              {v.aliases.map((a) => (
                <span class="alias-badge" key={a}>{a}</span>
              ))}
            </td>
            <td class="num">{formatBytes(v.size)}</td>
            <td class="num">{v.file_count.toLocaleString()}</td>
            <td>{formatTime(v.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunArtifacts(props: { runId: string }) {
  const [found, setFound] = useState<Found | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    setFound(null);
    getRunArtifacts(props.runId).then(setFound, (e: ApiError) => setError(e));
  }, [props.runId]);
  const load = useCallback((depth: number, direction: LineageDirection) => getRunLineage(props.runId, depth, direction), [props.runId]);

  if (error) return <Message kind="error" title="The run's artifacts could not be loaded">{error.message}</Message>;
  if (!found) return <p class="loading">Loading artifacts…</p>;
  return (
    <div class="run-artifacts-view">
      <div class="two-columns">
        <section>
          <h2>Inputs ({found.inputs.length})</h2>
          {found.inputs.length ? <VersionsTable versions={found.inputs} label="Inputs" /> : <p class="muted">This run used no artifact (<code>run.use_artifact("name:latest")</code> records one).</p>}
        </section>
        <section>
          <h2>Outputs ({found.outputs.length})</h2>
          {found.outputs.length ? <VersionsTable versions={found.outputs} label="Outputs" /> : <p class="muted">This run logged no artifact (<code>run.log_artifact(...)</code>).</p>}
        </section>
      </div>
      <h2>Lineage</h2>
      <LineagePanel load={load} what="this run" />
    </div>
  );
}
