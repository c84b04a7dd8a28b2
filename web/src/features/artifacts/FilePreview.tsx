// The preview of one stored file: a table for CSV and Parquet (parsed by the server), JSON
// pretty-printed, images drawn from a blob URL, and the first 256 KiB of anything textual.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getVersionFileBytes, getVersionTable, versionFileUrl, type ManifestEntry, type TablePreview } from "../../api/client";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatValue } from "../../components/format";
import { decodeText, formatBytes, IMAGE_PREVIEW_BYTES, imageType, looksBinary, previewKind, TEXT_PREVIEW_BYTES } from "./preview";

interface Where {
  project: string;
  name: string;
  version: number;
}

type Loaded =
  | { kind: "table"; table: TablePreview }
  | { kind: "text"; text: string; truncated: boolean; json: boolean }
  | { kind: "image"; url: string }
  | { kind: "binary" };

export function FilePreview(props: Where & { entry: ManifestEntry }) {
  const { entry } = props;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const kind = previewKind(entry.path);
  const tooBig = kind === "image" && entry.size > IMAGE_PREVIEW_BYTES;

  useEffect(() => {
    setLoaded(null);
    setError(null);
    if (entry.ref || tooBig) return;
    const abort = new AbortController();
    let url: string | null = null;
    load(props, entry, abort.signal).then(
      (result) => {
        if (abort.signal.aborted) return;
        if (result.kind === "image") url = result.url;
        setLoaded(result);
      },
      (e: unknown) => {
        if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "preview_failed", String(e)));
      },
    );
    return () => {
      abort.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [props.project, props.name, props.version, entry.path]);

  const download = versionFileUrl(props.project, props.name, props.version, entry.path);
  return (
    <section class="file-preview" aria-label={`Preview of ${entry.path}`}>
      <div class="preview-head">
        <h3>{entry.path}</h3>
        <span class="muted">{formatBytes(entry.size)}</span>
        {entry.digest ? <span class="muted mono" title={entry.digest}>{entry.digest.slice(0, 16)}…</span> : null}
        {!entry.ref ? <a href={download} download={entry.path.split("/").pop()}>Download</a> : null}
      </div>
      {entry.ref ? (
        <Message kind="info" title="A reference, not stored in Headway">
          This file lives at {entry.ref}{entry.etag ? ` (etag ${entry.etag})` : ""}; Headway recorded its size and checksum only.
        </Message>
      ) : null}
      {tooBig ? <Message kind="info" title="This image is too large to preview">It is {formatBytes(entry.size)}; previews draw images up to {formatBytes(IMAGE_PREVIEW_BYTES)}. Use Download.</Message> : null}
      {error ? <Message kind="error" title={`${entry.path} could not be previewed`}>{error.message}</Message> : null}
      {!loaded && !error && !entry.ref && !tooBig ? <p class="loading">Loading preview…</p> : null}
      {loaded ? <Shown loaded={loaded} entry={entry} /> : null}
    </section>
  );
}

async function load(where: Where, entry: ManifestEntry, signal: AbortSignal): Promise<Loaded> {
  const kind = previewKind(entry.path);
  if (kind === "table") return { kind: "table", table: await getVersionTable(where.project, where.name, where.version, entry.path) };
  if (kind === "image") {
    const bytes = await getVersionFileBytes(where.project, where.name, where.version, entry.path, Math.max(1, entry.size), signal);
    return { kind: "image", url: URL.createObjectURL(new Blob([bytes], { type: imageType(entry.path) ?? "application/octet-stream" })) };
  }
  const buffer = await getVersionFileBytes(where.project, where.name, where.version, entry.path, TEXT_PREVIEW_BYTES, signal);
  const bytes = new Uint8Array(buffer);
  if (looksBinary(bytes)) return { kind: "binary" };
  const truncated = entry.size > bytes.length;
  let text = decodeText(bytes, truncated);
  let json = false;
  if (kind === "json" && !truncated) {
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
      json = true;
    } catch {
      json = false;
    }
  }
  return { kind: "text", text, truncated, json };
}

function Shown(props: { loaded: Loaded; entry: ManifestEntry }) {
  const { loaded, entry } = props;
  if (loaded.kind === "table") return <TableView table={loaded.table} />;
  if (loaded.kind === "image") return <img class="preview-image" src={loaded.url} alt={entry.path} />;
  if (loaded.kind === "binary")
    return <Message kind="info" title="A binary file">{`${formatBytes(entry.size)} of binary content: use Download to open it.`}</Message>;
  return (
    <>
      {loaded.truncated ? (
        <p class="muted">
          The first {formatBytes(TEXT_PREVIEW_BYTES)} of {formatBytes(entry.size)}
          {previewKind(entry.path) === "json" ? " (too long to pretty-print)" : ""}.
        </p>
      ) : null}
      <pre class="code preview-text" aria-label={`Contents of ${entry.path}`}>{loaded.text}</pre>
    </>
  );
}

type Row = { index: number; cells: unknown[] };

function TableView(props: { table: TablePreview }) {
  const { table } = props;
  const rows: Row[] = table.rows.map((cells, index) => ({ index, cells }));
  const width = (i: number) => {
    const longest = Math.max(table.columns[i].name.length, ...table.rows.slice(0, 50).map((r) => formatValue(r[i]).length));
    return Math.min(280, Math.max(90, longest * 8.5 + 28));
  };
  const columns: Column<Row>[] = [
    { key: "#", title: "#", width: 56, render: (r) => <span class="num muted">{r.index + 1}</span> },
    ...table.columns.map(
      (c, i): Column<Row> => ({
        key: `c${i}`,
        title: c.name,
        width: width(i),
        render: (r) => {
          const value = r.cells[i];
          return typeof value === "number" ? <span class="num">{formatValue(value)}</span> : value === null ? <span class="muted">null</span> : formatValue(value);
        },
      }),
    ),
  ];
  const total = table.total_rows;
  return (
    <>
      <p class="muted table-count">
        {table.format.toUpperCase()} · {table.columns.length} columns ·{" "}
        {total === null || total === undefined
          ? `first ${rows.length.toLocaleString()} rows`
          : rows.length < total
            ? `first ${rows.length.toLocaleString()} of ${total.toLocaleString()} rows`
            : `${total.toLocaleString()} rows`}
        <span class="column-types"> · {table.columns.map((c) => `${c.name}: ${c.type}`).join(", ")}</span>
      </p>
      <VirtualTable label={`Rows of ${table.path}`} rows={rows} columns={columns} rowKey={(r) => String(r.index)} height={Math.min(480, rows.length * 32 + 36)} />
    </>
  );
}
