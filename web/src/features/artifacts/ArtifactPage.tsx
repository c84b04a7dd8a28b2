// One artifact: every version (virtualised, newest first) and the artifact's audit history.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, listArtifactEvents, listArtifactVersions, type ArtifactEvent, type ArtifactVersion } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatTime, formatValue } from "../../components/format";
import { artifactsPath, navigate, projectPath, runPath, versionPath } from "../../lib/route";
import { formatBytes } from "./preview";
import "./artifacts.css";

export function ArtifactPage(props: { project: string; name: string; search: string }) {
  const showDeleted = new URLSearchParams(props.search).get("deleted") === "1";
  const [versions, setVersions] = useState<ArtifactVersion[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [height, setHeight] = useState(420);
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setError(null);
    listArtifactVersions(props.project, props.name, showDeleted).then(setVersions, (e: ApiError) => setError(e));
  }, [props.project, props.name, showDeleted]);

  useEffect(() => {
    const fit = () => {
      const top = holder.current?.getBoundingClientRect().top ?? 220;
      const content = 38 + (versions?.length ?? 0) * 32;
      setHeight(Math.min(content, Math.max(240, window.innerHeight - top - 80)));
    };
    fit();
    window.addEventListener("resize", fit);
    return () => window.removeEventListener("resize", fit);
  }, [versions]);

  const columns: Column<ArtifactVersion>[] = [
    {
      key: "version",
      title: "Version",
      width: 130,
      render: (v) => (
        <>
          <Link href={versionPath(v.project, v.name, v.version)}>v{v.version}</Link>
          {v.deleted_at ? <span class="state state-failed deleted-mark" title={`deleted ${formatTime(v.deleted_at)}`}>deleted</span> : null}
        </>
      ),
    },
    { key: "aliases", title: "Aliases", width: 250, render: (v) => v.aliases.map((a) => <span class="alias-badge" key={a}>{a}</span>) },
    { key: "tags", title: "Tags", width: 150, render: (v) => v.tags.map((t) => <span class="tag-badge" key={t}>{t}</span>) },
    { key: "size", title: "Size", width: 90, render: (v) => <span class="num">{formatBytes(v.size)}</span> },
    { key: "files", title: "Files", width: 70, render: (v) => <span class="num">{v.file_count.toLocaleString()}</span> },
    { key: "created_by", title: "Created by", width: 110, render: (v) => v.created_by },
    { key: "created_at", title: "Created", width: 190, render: (v) => formatTime(v.created_at) },
    { key: "run", title: "Produced by", width: 120, render: (v) => (v.run_id ? <Link href={runPath(v.run_id)}>{v.run_id}</Link> : <span class="muted">no run</span>) },
    { key: "description", title: "Description", width: 300, render: (v) => <span class="muted" title={v.description ?? ""}>{v.description ?? ""}</span> },
  ];
  const type = versions?.[0]?.type;

  return (
    <section class="artifact-page">
      <p class="crumbs">
        <Link href={projectPath(props.project)}>{props.project}</Link> / <Link href={artifactsPath(props.project)}>artifacts</Link> /
      </p>
      <header class="page-head">
        <h1>{props.name}</h1>
        {type ? <span class="type-badge">{type}</span> : null}
        <span class="count">{versions ? `${versions.length.toLocaleString()} ${showDeleted ? "versions, deleted ones included" : "versions"}` : ""}</span>
      </header>
      {versions?.[0]?.description ? <p class="description">{versions[0].description}</p> : null}
      <div class="page-tools">
        <label>
          <input
            type="checkbox"
            checked={showDeleted}
            onChange={() => navigate(`${location.pathname}${showDeleted ? "" : "?deleted=1"}`, true)}
          />{" "}
          Show deleted versions
        </label>
      </div>
      {error ? <Message kind="error" title={`The versions of ${props.name} could not be loaded`}>{error.message}</Message> : null}
      {!versions && !error ? <p class="loading">Loading versions…</p> : null}
      {versions && versions.length === 0 ? <Message kind="info" title={showDeleted ? "No versions" : "No live versions"}>{showDeleted ? "" : "Every version was deleted: tick Show deleted versions to see them."}</Message> : null}
      <div ref={holder}>
        {versions && versions.length > 0 ? (
          <VirtualTable
            label={`Versions of ${props.name}`}
            rows={versions}
            columns={columns}
            rowKey={(v) => String(v.version)}
            rowClass={(v) => (v.deleted_at ? "deleted-row" : "")}
            height={height}
            onOpen={(v) => navigate(versionPath(v.project, v.name, v.version))}
          />
        ) : null}
      </div>
      <History project={props.project} name={props.name} />
    </section>
  );
}

function describe(event: ArtifactEvent): string {
  const details = Object.entries(event.details)
    .filter(([k]) => k !== "digest")
    .map(([k, v]) => `${k}: ${formatValue(v)}`)
    .join(", ");
  return details;
}

type Numbered = ArtifactEvent & { n: number };

function History(props: { project: string; name: string }) {
  const [events, setEvents] = useState<Numbered[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    listArtifactEvents(props.project, props.name).then(
      (found) => setEvents(found.map((e, n) => ({ ...e, n })).reverse()),
      (e: ApiError) => setError(e),
    );
  }, [props.project, props.name]);
  if (error) return <Message kind="error" title="The history could not be loaded">{error.message}</Message>;
  if (!events) return null;
  const columns: Column<Numbered>[] = [
    { key: "at", title: "When", width: 190, render: (e) => formatTime(e.at) },
    { key: "actor", title: "Who", width: 110, render: (e) => e.actor },
    { key: "action", title: "What", width: 150, render: (e) => e.action.replace(/_/g, " ") },
    { key: "version", title: "Version", width: 80, render: (e) => (e.version == null ? "" : <Link href={versionPath(props.project, props.name, e.version)}>v{e.version}</Link>) },
    { key: "details", title: "Details", width: 520, render: (e) => <span class="muted" title={describe(e)}>{describe(e)}</span> },
  ];
  return (
    <details class="artifact-history" open={events.length <= 50}>
      <summary>
        <h2 style={{ display: "inline" }}>History</h2> <span class="muted">({events.length} events, newest first)</span>
      </summary>
      <VirtualTable label="Artifact history" rows={events} columns={columns} rowKey={(e) => String(e.n)} height={Math.min(360, 36 + events.length * 32)} />
    </details>
  );
}
