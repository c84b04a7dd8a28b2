// A version's files: the tree on the left, the selected file's preview on the right.
import { useEffect, useState } from "preact/hooks";
import { ApiError, listVersionFiles, type ArtifactVersion, type ManifestEntry } from "../../api/client";
import { Message } from "../../components/Message";
import { navigate, versionPath } from "../../lib/route";
import { FilePreview } from "./FilePreview";
import { FileTree } from "./FileTree";
import { formatBytes } from "./preview";

const PAGE = 10_000;

export function VersionFiles(props: { version: ArtifactVersion; file: string | null }) {
  const { version } = props;
  const [files, setFiles] = useState<ManifestEntry[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    setFiles(null);
    listVersionFiles(version.project, version.name, version.version, PAGE).then(setFiles, (e: ApiError) => setError(e));
  }, [version.project, version.name, version.version]);

  if (error) return <Message kind="error" title="The files could not be listed">{error.message}</Message>;
  if (!files) return <p class="loading">Loading files…</p>;
  if (!files.length) return <p class="muted">This version has no files.</p>;
  const selected = files.find((f) => f.path === props.file) ?? null;
  const open = (path: string) => navigate(versionPath(version.project, version.name, version.version, { tab: "files", file: path }), true);
  return (
    <div class="file-browser">
      <div>
        <p class="muted">
          {version.file_count.toLocaleString()} files · {formatBytes(version.size)}
          {files.length < version.file_count ? ` (the first ${files.length.toLocaleString()} are listed)` : ""}
        </p>
        <FileTree entries={files} selected={selected?.path ?? null} onSelect={open} />
      </div>
      <div>
        {props.file && !selected ? <Message kind="error" title="No such file">{`${version.name}:v${version.version} has no file ${props.file}.`}</Message> : null}
        {selected ? (
          <FilePreview project={version.project} name={version.name} version={version.version} entry={selected} />
        ) : (
          <p class="muted">Select a file to preview it: tables (CSV, Parquet) as rows, JSON pretty-printed, images drawn, text as it is.</p>
        )}
      </div>
    </div>
  );
}
