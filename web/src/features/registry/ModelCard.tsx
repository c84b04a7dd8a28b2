// The model card: its markdown rendered, and an editor with a live preview. Saving is a
// PATCH the server records in the model's history (description_changed, with who did it).
import { useState } from "preact/hooks";
import { ApiError, patchModel, type RegisteredModel } from "../../api/client";
import { Message } from "../../components/Message";
import { Markdown } from "./Markdown";

export function ModelCard(props: { model: RegisteredModel; onSaved: (model: RegisteredModel) => void }) {
  const { model } = props;
  const [draft, setDraft] = useState<string | null>(null); // null: not editing
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const edit = () => {
    setDraft(model.description);
    setError(null);
  };
  const cancel = () => {
    setDraft(null);
    setError(null);
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (draft === null || draft === model.description || saving) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await patchModel(model.name, { description: draft });
      setDraft(null);
      props.onSaved(saved);
    } catch (problem) {
      setError(problem instanceof ApiError ? problem.message : String(problem));
    } finally {
      setSaving(false);
    }
  };

  if (draft === null)
    return (
      <section class="section-box model-card" aria-label="Model card">
        <div class="page-head">
          <h2>Model card</h2>
          <button type="button" class="small" onClick={edit}>
            Edit
          </button>
        </div>
        {model.description.trim() ? (
          <Markdown source={model.description} />
        ) : (
          <p class="muted">No model card yet: <strong>Edit</strong> to describe what the model is for, its data and how to use it (markdown).</p>
        )}
      </section>
    );

  const unchanged = draft === model.description;
  return (
    <section class="section-box model-card editing" aria-label="Model card">
      <form onSubmit={save} aria-label="Edit the model card">
        <div class="page-head">
          <h2>Model card</h2>
          <span class="muted">markdown: # headings, **bold**, *italic*, `code`, lists, ``` blocks, [links](https://…)</span>
        </div>
        <div class="card-editor">
          <div>
            <label for="card-source" class="muted">Markdown</label>
            <textarea
              id="card-source"
              rows={18}
              spellcheck
              value={draft}
              onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) save(e);
              }}
            />
          </div>
          <div>
            <span class="muted" id="card-preview-label">Preview</span>
            <div class="card-preview" role="region" aria-labelledby="card-preview-label">
              {draft.trim() ? <Markdown source={draft} /> : <p class="muted">An empty card.</p>}
            </div>
          </div>
        </div>
        {error ? <Message kind="error" title="The model card was not saved">{error}</Message> : null}
        <div class="row-buttons">
          <button type="submit" class="primary" disabled={saving || unchanged} title={unchanged ? "Nothing changed yet" : "Save (Ctrl+Enter)"}>
            {saving ? "Saving…" : "Save"}
          </button>
          <button type="button" onClick={cancel} disabled={saving}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
