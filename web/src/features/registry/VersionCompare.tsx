// Registered versions side by side: the metrics of the run that produced each, its
// artifact's metadata, and the datasets that run used.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getArtifactVersion, getRun, getRunArtifacts, type ArtifactVersion, type ModelVersion, type RegisteredModel, type Run } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime, formatValue } from "../../components/format";
import { modelPath, navigate, runPath, versionPath } from "../../lib/route";
import { compareRows } from "./compareRows";

interface Loaded {
  version: ModelVersion;
  run: Run | null;
  inputs: ArtifactVersion[];
  artifact: ArtifactVersion | null;
}

async function loadOne(version: ModelVersion): Promise<Loaded> {
  const [run, inputs, artifact] = await Promise.all([
    version.run_id ? getRun(version.run_id) : Promise.resolve(null),
    version.run_id ? getRunArtifacts(version.run_id).then((r) => r.inputs) : Promise.resolve([]),
    getArtifactVersion(version.project, version.artifact, `v${version.artifact_version}`).catch(() => null),
  ]);
  return { version, run, inputs, artifact };
}

export function VersionCompare(props: { model: RegisteredModel; versions: ModelVersion[]; selected: number[] }) {
  const chosen = props.selected.length ? props.selected : props.versions.slice(0, 2).map((v) => v.version);
  const [loaded, setLoaded] = useState<Loaded[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const key = chosen.join(",");

  useEffect(() => {
    setLoaded(null);
    setError(null);
    const wanted = chosen.map((n) => props.versions.find((v) => v.version === n)).filter((v): v is ModelVersion => v !== undefined);
    Promise.all(wanted.map(loadOne)).then(setLoaded, (e: ApiError) => setError(e));
  }, [props.model.name, key, props.versions]);

  const toggle = (n: number) => {
    const next = chosen.includes(n) ? chosen.filter((x) => x !== n) : [...chosen, n].sort((a, b) => a - b);
    navigate(modelPath(props.model.name, { tab: "compare", versions: next.join(",") }), true);
  };

  return (
    <div class="version-compare">
      <fieldset class="compare-pick">
        <legend>Versions to compare</legend>
        {props.versions.map((v) => (
          <label key={v.version}>
            <input type="checkbox" checked={chosen.includes(v.version)} onChange={() => toggle(v.version)} /> v{v.version}
            {v.aliases.length ? <span class="muted"> ({v.aliases.join(", ")})</span> : null}
          </label>
        ))}
      </fieldset>
      {error ? <Message kind="error" title="The versions could not be compared">{error.message}</Message> : null}
      {!loaded && !error ? <p class="loading">Loading the versions' runs…</p> : null}
      {loaded && loaded.length === 0 ? <p class="muted">Tick the versions to compare.</p> : null}
      {loaded && loaded.length > 0 ? <CompareTable loaded={loaded} /> : null}
    </div>
  );
}

function CompareTable(props: { loaded: Loaded[] }) {
  const { loaded } = props;
  const rows = compareRows(loaded.map((l) => ({ summary: (l.run?.summary ?? {}) as Record<string, unknown>, metadata: (l.artifact?.metadata ?? {}) as Record<string, unknown> })));
  const section = (title: string, kind: "metric" | "metadata", empty: string) => {
    const mine = rows.filter((r) => r.section === kind);
    return (
      <>
        <tr class="compare-section">
          <th colSpan={loaded.length + 1}>{title}</th>
        </tr>
        {mine.length ? (
          mine.map((r) => (
            <tr key={`${kind}:${r.key}`} class={r.differs ? "differs" : ""}>
              <th class="mono">{r.key}</th>
              {r.values.map((v, i) => (
                <td key={i} class={`${typeof v === "number" ? "num" : ""}${r.best === i ? " best" : ""}`}>
                  {v === undefined ? <span class="muted">—</span> : formatValue(v)}
                </td>
              ))}
            </tr>
          ))
        ) : (
          <tr>
            <td colSpan={loaded.length + 1} class="muted">
              {empty}
            </td>
          </tr>
        )}
      </>
    );
  };
  return (
    <table class="compare-table" aria-label="Version comparison">
      <thead>
        <tr>
          <th />
          {loaded.map((l) => (
            <th key={l.version.version}>
              v{l.version.version}{" "}
              {l.version.aliases.map((a) => (
                <span class={`alias-badge${a === "production" ? " alias-production" : ""}`} key={a}>{a}</span>
              ))}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th>Artifact</th>
          {loaded.map((l) => (
            <td key={l.version.version}>
              <Link href={versionPath(l.version.project, l.version.artifact, l.version.artifact_version)}>
                {l.version.artifact}:v{l.version.artifact_version}
              </Link>
            </td>
          ))}
        </tr>
        <tr>
          <th>Run</th>
          {loaded.map((l) => (
            <td key={l.version.version}>
              {l.run ? <Link href={runPath(l.run.id)}>{l.run.name}</Link> : <span class="muted">none</span>}
              {l.run ? <span class={`state state-${l.run.state}`}>{l.run.state}</span> : null}
            </td>
          ))}
        </tr>
        <tr>
          <th>Registered</th>
          {loaded.map((l) => (
            <td key={l.version.version}>{formatTime(l.version.created_at)}</td>
          ))}
        </tr>
        <tr>
          <th>Datasets used</th>
          {loaded.map((l) => (
            <td key={l.version.version}>
              {l.inputs.length
                ? l.inputs.map((i) => (
                    <div key={`${i.name}:${i.version}`}>
                      <Link href={versionPath(i.project, i.name, i.version)}>
                        {i.name}:v{i.version}
                      </Link>{" "}
                      <span class="muted">{i.type}</span>
                    </div>
                  ))
                : <span class="muted">none recorded</span>}
            </td>
          ))}
        </tr>
        {section("Metrics (the run's summary; the best value is marked: highest, or lowest for losses and errors)", "metric", "The runs logged no summary metrics.")}
        {section("Metadata (the model artifact's)", "metadata", "No metadata.")}
      </tbody>
    </table>
  );
}
