// What changed between this version and another: files added, removed and changed (with
// their sizes) and metadata keys whose value differs.
import { useEffect, useState } from "preact/hooks";
import { ApiError, diffVersions, type ArtifactVersion, type VersionDiff as Diff } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatValue } from "../../components/format";
import { navigate, versionPath } from "../../lib/route";
import { formatBytes } from "./preview";

/** The version to compare with by default: the one before, else the one after. */
export function defaultAgainst(version: number, numbers: number[]): number | null {
  const before = numbers.filter((n) => n < version);
  if (before.length) return Math.max(...before);
  const after = numbers.filter((n) => n > version);
  return after.length ? Math.min(...after) : null;
}

function delta(oldSize: number | null | undefined, newSize: number | null | undefined): string {
  if (oldSize == null || newSize == null) return "";
  const d = newSize - oldSize;
  return d === 0 ? "±0" : `${d > 0 ? "+" : "−"}${formatBytes(Math.abs(d))}`;
}

export function VersionDiff(props: { version: ArtifactVersion; versions: ArtifactVersion[]; against: number | null }) {
  const { version } = props;
  const others = props.versions.filter((v) => v.version !== version.version);
  const asked = props.against !== null && props.against !== version.version ? props.against : null;
  const against = asked ?? defaultAgainst(version.version, others.map((v) => v.version));
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [old, next] = against === null ? [0, 0] : [Math.min(against, version.version), Math.max(against, version.version)];

  useEffect(() => {
    setDiff(null);
    setError(null);
    if (against === null) return;
    diffVersions(version.project, version.name, old, next).then(setDiff, (e: ApiError) => setError(e));
  }, [version.project, version.name, old, next, against]);

  if (!others.length) return <p class="muted">This is the only version of {version.name}: there is nothing to compare it with.</p>;
  const choose = (value: string) =>
    navigate(versionPath(version.project, version.name, version.version, { tab: "diff", against: `v${value}` }), true);
  return (
    <section class="version-diff">
      <div class="section-tools">
        <label>
          Compare v{version.version} with{" "}
          <select aria-label="Compare with version" value={String(against ?? "")} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
            {others.map((v) => (
              <option value={v.version} key={v.version}>
                v{v.version}
                {v.aliases.length ? ` (${v.aliases.join(", ")})` : ""}
                {v.deleted_at ? " (deleted)" : ""}
              </option>
            ))}
          </select>
        </label>
        {against !== null ? <span class="muted">changes from v{old} to v{next}</span> : null}
      </div>
      {error ? <Message kind="error" title="The diff could not be computed">{error.message}</Message> : null}
      {!diff && !error ? <p class="loading">Comparing…</p> : null}
      {diff ? <DiffTables diff={diff} version={version} old={old} next={next} /> : null}
    </section>
  );
}

function DiffTables(props: { diff: Diff; version: ArtifactVersion; old: number; next: number }) {
  const { diff, version } = props;
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const f of diff.files) counts[f.status]++;
  const metadata = Object.entries(diff.metadata);
  const link = (n: number) => <Link href={versionPath(version.project, version.name, n)}>v{n}</Link>;
  return (
    <>
      <p aria-live="polite">
        <span class="status-added">{counts.added} added</span> · <span class="status-removed">{counts.removed} removed</span> ·{" "}
        <span class="status-changed">{counts.changed} changed</span> · {diff.unchanged_files.toLocaleString()} unchanged
      </p>
      <h2>Files</h2>
      {diff.files.length ? (
        <table class="diff-table" aria-label="Changed files">
          <thead>
            <tr>
              <th>Change</th>
              <th>Path</th>
              <th class="num">Size in {link(props.old)}</th>
              <th class="num">Size in {link(props.next)}</th>
              <th class="num">Difference</th>
            </tr>
          </thead>
          <tbody>
            {diff.files.map((f) => (
              <tr key={f.path}>
                <td class={`status-${f.status}`}>{f.status}</td>
                <td class="mono">{f.path}</td>
                <td class="num">{f.old_size == null ? "" : formatBytes(f.old_size)}</td>
                <td class="num">{f.new_size == null ? "" : formatBytes(f.new_size)}</td>
                <td class="num">{delta(f.old_size, f.new_size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">The same files, byte for byte.</p>
      )}
      <h2>Metadata</h2>
      {metadata.length ? (
        <table class="diff-table" aria-label="Metadata differences">
          <thead>
            <tr>
              <th>Key</th>
              <th>v{props.old}</th>
              <th>v{props.next}</th>
            </tr>
          </thead>
          <tbody>
            {metadata.map(([key, [a, b]]) => (
              <tr key={key}>
                <td class="mono">{key}</td>
                <td>{a === null || a === undefined ? <span class="muted">—</span> : formatValue(a)}</td>
                <td>{b === null || b === undefined ? <span class="muted">—</span> : formatValue(b)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No metadata differences.</p>
      )}
    </>
  );
}
