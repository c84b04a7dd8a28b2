// A project's artifacts, grouped by type: versions, the latest one and the aliases.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, listArtifacts, type ArtifactSummary } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatAge } from "../../components/format";
import { artifactPath, navigate, projectPath, versionPath } from "../../lib/route";
import "./artifacts.css";

export const FIRST_ARTIFACT_CODE = `import headway

with headway.init(project="PROJECT", job_type="data") as run:
    data = headway.Artifact("student_data", type="dataset")
    data.add_file("students.csv")
    run.log_artifact(data)`;

/** Artifacts by type, types in name order (datasets before models), names in order. */
export function groupByType(artifacts: ArtifactSummary[]): [string, ArtifactSummary[]][] {
  const groups = new Map<string, ArtifactSummary[]>();
  for (const a of artifacts) groups.set(a.type, [...(groups.get(a.type) ?? []), a]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, list]) => [type, list.sort((x, y) => x.name.localeCompare(y.name))]);
}

export function AliasBadges(props: { project: string; name: string; aliases: Record<string, number> }) {
  return (
    <>
      {Object.entries(props.aliases)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([alias, version]) => (
          <span class="alias-badge" key={alias} title={`${alias} → v${version}`}>
            <Link href={versionPath(props.project, props.name, version)}>
              {alias} → v{version}
            </Link>
          </span>
        ))}
    </>
  );
}

export function ArtifactsPage(props: { project: string }) {
  const [artifacts, setArtifacts] = useState<ArtifactSummary[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [filter, setFilter] = useState("");

  useEffect(() => {
    setArtifacts(null);
    listArtifacts(props.project).then(setArtifacts, (e: ApiError) => setError(e));
  }, [props.project]);

  const groups = useMemo(() => {
    const wanted = filter.trim().toLowerCase();
    return groupByType((artifacts ?? []).filter((a) => !wanted || a.name.toLowerCase().includes(wanted)));
  }, [artifacts, filter]);

  const columns: Column<ArtifactSummary>[] = [
    { key: "name", title: "Name", width: 260, render: (a) => <Link href={artifactPath(a.project, a.name)}>{a.name}</Link> },
    { key: "versions", title: "Versions", width: 90, render: (a) => <span class="num">{a.version_count.toLocaleString()}</span> },
    {
      key: "latest",
      title: "Latest",
      width: 90,
      render: (a) => (a.latest_version == null ? "" : <Link href={versionPath(a.project, a.name, a.latest_version)}>v{a.latest_version}</Link>),
    },
    { key: "aliases", title: "Aliases", width: 260, render: (a) => <AliasBadges project={a.project} name={a.name} aliases={a.aliases} /> },
    { key: "updated", title: "Updated", width: 130, render: (a) => <span title={a.updated_at}>{formatAge(a.updated_at)}</span> },
    { key: "description", title: "Description", width: 380, render: (a) => <span class="muted" title={a.description ?? ""}>{a.description ?? ""}</span> },
  ];

  return (
    <section class="artifacts-page">
      <p class="crumbs">
        <Link href={projectPath(props.project)}>{props.project}</Link> /
      </p>
      <header class="page-head">
        <h1>Artifacts</h1>
        <span class="count">{artifacts ? `${artifacts.length.toLocaleString()} artifacts` : ""}</span>
      </header>
      {error ? <Message kind="error" title="Artifacts could not be loaded">{error.message}</Message> : null}
      {!artifacts && !error ? <p class="loading">Loading artifacts…</p> : null}
      {artifacts && artifacts.length === 0 ? (
        <section class="empty">
          <p>No artifacts in {props.project} yet. Log a dataset or a model from a run:</p>
          <pre class="code">{FIRST_ARTIFACT_CODE.replace("PROJECT", props.project)}</pre>
        </section>
      ) : null}
      {artifacts && artifacts.length > 0 ? (
        <>
          <div class="page-tools">
            <input type="search" aria-label="Filter artifacts by name" placeholder="Filter by name…" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          </div>
          {groups.length === 0 ? <Message kind="info" title={`No artifact name contains "${filter}"`} /> : null}
          <div class="artifact-groups">
            {groups.map(([type, list]) => (
              <section key={type} aria-label={`${type} artifacts`}>
                <h2>
                  {type} <span class="muted">· {list.length}</span>
                </h2>
                <VirtualTable
                  label={`${type} artifacts`}
                  rows={list}
                  columns={columns}
                  rowKey={(a) => a.name}
                  height={Math.min(400, 36 + list.length * 32)}
                  onOpen={(a) => navigate(artifactPath(a.project, a.name))}
                />
              </section>
            ))}
          </div>
        </>
      ) : null}
    </section>
  );
}
