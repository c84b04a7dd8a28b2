// A version's description, tags, aliases and metadata, editable in place (content never
// changes: every edit is a PATCH the server records in the artifact's history).
import { useState } from "preact/hooks";
import { ApiError, patchArtifactVersion, type ArtifactVersion, type VersionPatch } from "../../api/client";
import { Message } from "../../components/Message";
import { formatValue } from "../../components/format";

/** "latest" is Headway's to move; the editor leaves it alone. */
export function editableAliases(version: ArtifactVersion): string[] {
  return version.aliases.filter((a) => a !== "latest");
}

function words(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((w) => w.trim()).filter(Boolean))];
}

/** The PATCH body that turns ``version`` into the edited values (only what changed). */
export function versionPatch(
  version: ArtifactVersion,
  edit: { description: string; tags: string; aliases: string; metadata: string },
): VersionPatch {
  const patch: VersionPatch = {};
  if (edit.description !== (version.description ?? "")) patch.description = edit.description;
  const tags = words(edit.tags);
  if (tags.join(" ") !== version.tags.join(" ")) patch.tags = tags;
  const aliases = words(edit.aliases);
  const current = editableAliases(version);
  patch.add_aliases = aliases.filter((a) => !current.includes(a));
  patch.remove_aliases = current.filter((a) => !aliases.includes(a));
  const metadata = edit.metadata.trim() ? (JSON.parse(edit.metadata) as unknown) : {};
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) throw new Error("Metadata must be a JSON object, like {\"rows\": 389}.");
  if (JSON.stringify(metadata) !== JSON.stringify(version.metadata)) patch.metadata = metadata as Record<string, unknown>;
  return patch;
}

export function MetadataEditor(props: { version: ArtifactVersion; onSaved: (v: ArtifactVersion) => void }) {
  const { version } = props;
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const initial = () => ({
    description: version.description ?? "",
    tags: version.tags.join(", "),
    aliases: editableAliases(version).join(", "),
    metadata: JSON.stringify(version.metadata, null, 2),
  });
  const [edit, setEdit] = useState(initial);
  const field = (key: keyof typeof edit) => (e: Event) => setEdit({ ...edit, [key]: (e.target as HTMLInputElement).value });

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let patch: VersionPatch;
    try {
      patch = versionPatch(version, edit);
    } catch (problem) {
      setError(problem instanceof Error ? problem.message : String(problem));
      return;
    }
    setSaving(true);
    try {
      props.onSaved(await patchArtifactVersion(version.project, version.name, version.version, patch));
      setEditing(false);
    } catch (problem) {
      setError(problem instanceof ApiError ? problem.message : String(problem));
    } finally {
      setSaving(false);
    }
  };

  if (!editing)
    return (
      <section class="section-box">
        <div class="page-head">
          <h2>About this version</h2>
          <button type="button" onClick={() => { setEdit(initial()); setEditing(true); }} disabled={Boolean(version.deleted_at)}>
            Edit
          </button>
        </div>
        <p class="description">{version.description || <span class="muted">No description.</span>}</p>
        <dl class="facts">
          <dt>Tags</dt>
          <dd>{version.tags.length ? version.tags.map((t) => <span class="tag-badge" key={t}>{t}</span>) : <span class="muted">none</span>}</dd>
          <dt>Aliases</dt>
          <dd>{version.aliases.length ? version.aliases.map((a) => <span class="alias-badge" key={a}>{a}</span>) : <span class="muted">none</span>}</dd>
        </dl>
        <h2>Metadata</h2>
        {Object.keys(version.metadata).length ? (
          <table class="kv">
            <tbody>
              {Object.entries(version.metadata).map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td>{formatValue(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No metadata.</p>
        )}
      </section>
    );
  return (
    <form class="section-box meta-editor" onSubmit={save} aria-label="Edit this version">
      <h2>Edit this version</h2>
      <label for="meta-description">Description</label>
      <textarea id="meta-description" rows={3} value={edit.description} onInput={field("description")} />
      <label for="meta-tags">Tags (comma or space separated)</label>
      <input id="meta-tags" type="text" value={edit.tags} onInput={field("tags")} />
      <label for="meta-aliases">Aliases (each names one version of the artifact: adding one here moves it from another version; "latest" moves by itself)</label>
      <input id="meta-aliases" type="text" value={edit.aliases} onInput={field("aliases")} />
      <label for="meta-json">Metadata (JSON object)</label>
      <textarea id="meta-json" rows={8} value={edit.metadata} onInput={field("metadata")} />
      {error ? <Message kind="error" title="Not saved">{error}</Message> : null}
      <div class="row-buttons">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? "Saving…" : "Save"}
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
