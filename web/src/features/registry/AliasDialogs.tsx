// Promote (point an alias at a version) and roll back (move it to where it was before),
// each behind a confirmation that says what will change; a protected alias asks for the
// role that may move it.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getModelHistory, rollbackModelAlias, setModelAlias, type ModelVersion, type RegisteredModel } from "../../api/client";
import { Message } from "../../components/Message";
import { Dialog } from "./Dialog";
import { LockIcon } from "./LockIcon";

export const DEFAULT_ALIAS = "production";

function RoleField(props: { model: RegisteredModel; alias: string; role: string; onRole: (r: string) => void }) {
  const required = props.model.protected[props.alias];
  if (!required) return null;
  return (
    <div class="dialog-field">
      <p class="protected-note">
        <LockIcon role={required} /> <strong>{props.alias}</strong> is protected: moving it requires the role <code>{required}</code>.
      </p>
      <label>
        Act as role{" "}
        <input type="text" aria-label="Role" required value={props.role} placeholder={required} onInput={(e) => props.onRole((e.target as HTMLInputElement).value)} />
      </label>
    </div>
  );
}

function useAct(onDone: (v: ModelVersion) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const act = async (work: () => Promise<ModelVersion>) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await work());
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, "failed", String(e)));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, act };
}

export function PromoteDialog(props: {
  model: RegisteredModel;
  version: ModelVersion;
  onClose: () => void;
  onDone: (v: ModelVersion, alias: string) => void;
}) {
  const { model, version } = props;
  const [alias, setAlias] = useState(DEFAULT_ALIAS);
  const [role, setRole] = useState("");
  const clean = alias.trim();
  const { busy, error, act } = useAct((v) => props.onDone(v, clean));
  const current = model.aliases[clean];
  const known = [...new Set([DEFAULT_ALIAS, "staging", ...Object.keys(model.aliases)])];
  return (
    <Dialog title={`Promote version ${version.version}`} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (clean) act(() => setModelAlias(model.name, clean, version.version, role.trim() || null));
        }}
      >
        <div class="dialog-field">
          <label>
            Alias{" "}
            <input type="text" aria-label="Alias" list="known-aliases" required value={alias} onInput={(e) => setAlias((e.target as HTMLInputElement).value)} />
          </label>
          <datalist id="known-aliases">
            {known.map((a) => (
              <option value={a} key={a} />
            ))}
          </datalist>
        </div>
        <p class="dialog-summary">
          {current === version.version ? (
            <>
              <strong>{clean}</strong> already points at v{version.version}.
            </>
          ) : (
            <>
              <strong>{clean || "…"}</strong>: {current === undefined ? "not set" : `v${current}`} → <strong>v{version.version}</strong>{" "}
              <span class="muted">
                ({version.project}/{version.artifact}:v{version.artifact_version})
              </span>
            </>
          )}
        </p>
        <RoleField model={model} alias={clean} role={role} onRole={setRole} />
        {error ? <Message kind="error" title="Not promoted">{error.message}</Message> : null}
        <div class="row-buttons">
          <button type="submit" class="primary" disabled={busy || !clean || current === version.version}>
            {busy ? "Promoting…" : `Promote v${version.version} to ${clean || "…"}`}
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Where a rollback of ``alias`` would go: the version before its last move (or none). */
export function rollbackTarget(events: { action: string; alias?: string | null; previous_version?: number | null }[], alias: string): number | null {
  const last = events.find((e) => e.action === "alias_set" && e.alias === alias);
  return last?.previous_version ?? null;
}

export function RollbackDialog(props: { model: RegisteredModel; alias: string; onClose: () => void; onDone: (v: ModelVersion, alias: string) => void }) {
  const { model, alias } = props;
  const [target, setTarget] = useState<number | null | undefined>(undefined);
  const [role, setRole] = useState("");
  const { busy, error, act } = useAct((v) => props.onDone(v, alias));
  useEffect(() => {
    getModelHistory(model.name, alias).then(
      (events) => setTarget(rollbackTarget(events, alias)),
      () => setTarget(null),
    );
  }, [model.name, alias]);
  return (
    <Dialog title={`Roll back ${alias}`} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act(() => rollbackModelAlias(model.name, alias, role.trim() || null));
        }}
      >
        <p class="dialog-summary">
          {target === undefined ? "Looking up where it was before…" : null}
          {target === null ? `${alias} has no earlier version to go back to.` : null}
          {typeof target === "number" ? (
            <>
              <strong>{alias}</strong>: v{model.aliases[alias]} → <strong>v{target}</strong> (where it pointed before its last move)
            </>
          ) : null}
        </p>
        <RoleField model={model} alias={alias} role={role} onRole={setRole} />
        {error ? <Message kind="error" title="Not rolled back">{error.message}</Message> : null}
        <div class="row-buttons">
          <button type="submit" class="primary" disabled={busy || typeof target !== "number"}>
            {busy ? "Rolling back…" : typeof target === "number" ? `Roll back ${alias} to v${target}` : "Roll back"}
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
