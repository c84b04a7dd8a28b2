// One artifact version: what it is (editable), its files with previews, its lineage and
// how it differs from another version. The tab and the open file live in the URL.
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, getArtifactVersion, getVersionLineage, listArtifactVersions, type ArtifactVersion, type LineageDirection } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { artifactPath, artifactsPath, projectPath, runPath, versionPath } from "../../lib/route";
import { LineagePanel } from "./LineageGraph";
import { MetadataEditor } from "./MetadataEditor";
import { formatBytes } from "./preview";
import { VersionDiff } from "./VersionDiff";
import { VersionFiles } from "./VersionFiles";
import { VersionRuns } from "./VersionRuns";
import "./artifacts.css";

const TABS = { overview: "Overview", files: "Files", lineage: "Lineage", diff: "Compare versions" } as const;
type Tab = keyof typeof TABS;

export function parseVersionTab(search: string): { tab: Tab; file: string | null; against: number | null } {
  const params = new URLSearchParams(search);
  const raw = params.get("tab") ?? "overview";
  const against = /^v?(\d+)$/.exec(params.get("against") ?? "");
  return { tab: raw in TABS ? (raw as Tab) : "overview", file: params.get("file"), against: against ? Number(against[1]) : null };
}

interface Props {
  project: string;
  name: string;
  version: number;
  search: string;
}

export function VersionPage(props: Props) {
  const { tab, file, against } = parseVersionTab(props.search);
  const [version, setVersion] = useState<ArtifactVersion | null>(null);
  const [versions, setVersions] = useState<ArtifactVersion[]>([]);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    setVersion(null);
    setError(null);
    getArtifactVersion(props.project, props.name, `v${props.version}`).then(setVersion, (e: ApiError) => setError(e));
    listArtifactVersions(props.project, props.name, true).then(setVersions, () => setVersions([]));
  }, [props.project, props.name, props.version]);

  const loadLineage = useCallback(
    (depth: number, direction: LineageDirection) => getVersionLineage(props.project, props.name, props.version, depth, direction),
    [props.project, props.name, props.version],
  );

  const crumbs = (
    <p class="crumbs">
      <Link href={projectPath(props.project)}>{props.project}</Link> / <Link href={artifactsPath(props.project)}>artifacts</Link> /{" "}
      <Link href={artifactPath(props.project, props.name)}>{props.name}</Link> /
    </p>
  );
  if (error)
    return (
      <section>
        {crumbs}
        <Message kind="error" title={`${props.name}:v${props.version} could not be loaded`}>{error.message}</Message>
      </section>
    );
  if (!version) return <p class="loading">Loading version…</p>;
  const tabHref = (name: Tab) => versionPath(version.project, version.name, version.version, name === "overview" ? undefined : { tab: name });

  return (
    <section class="version-page">
      {crumbs}
      <header class="page-head">
        <h1>
          {version.name}:v{version.version}
        </h1>
        <span class="type-badge">{version.type}</span>
        {version.aliases.map((a) => (
          <span class="alias-badge" key={a}>{a}</span>
        ))}
        {version.deleted_at ? <span class="state state-failed">deleted {formatTime(version.deleted_at)}</span> : null}
      </header>
      <p class="muted">
        {formatBytes(version.size)} in {version.file_count.toLocaleString()} {version.file_count === 1 ? "file" : "files"} · created by{" "}
        {version.created_by} {formatTime(version.created_at)}
        {version.run_id ? (
          <>
            {" "}in run <Link href={runPath(version.run_id)}>{version.run_id}</Link>
          </>
        ) : null}{" "}
        · <span class="mono" title="BLAKE3 digest of the manifest: same digest, same content">{version.digest.slice(0, 12)}</span>
      </p>
      <nav class="tabs" role="tablist" aria-label="Version views">
        {(Object.keys(TABS) as Tab[]).map((name) => (
          <Link href={tabHref(name)} class={`tab${name === tab ? " current" : ""}`} key={name}>
            {name === "files" ? `Files (${version.file_count.toLocaleString()})` : TABS[name]}
          </Link>
        ))}
      </nav>
      {tab === "overview" ? (
        <div class="version-overview">
          <MetadataEditor version={version} onSaved={setVersion} key={`${version.version}:${version.aliases.join()}`} />
          <VersionRuns version={version} />
        </div>
      ) : null}
      {tab === "files" ? <VersionFiles version={version} file={file} /> : null}
      {tab === "lineage" ? <LineagePanel load={loadLineage} what={`${version.name}:v${version.version}`} /> : null}
      {tab === "diff" ? <VersionDiff version={version} versions={versions} against={against} /> : null}
    </section>
  );
}
