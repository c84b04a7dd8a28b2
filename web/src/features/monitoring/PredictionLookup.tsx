// The id (and optional model version) form that looks a logged prediction up: the audit
// trail and "why was this prediction made?" ask the same question of the same log.
import type { ComponentChildren } from "preact";
import { parseIds } from "./transforms";

export function PredictionLookup(props: {
  label: string;
  id: string;
  version: string;
  idPlaceholder: string;
  versionPlaceholder: string;
  idSize: number;
  submit: string;
  onId: (value: string) => void;
  onVersion: (value: string) => void;
  onSubmit: () => void;
  children?: ComponentChildren;
}) {
  return (
    <form
      class="page-tools mon-audit-form"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <label>
        Student or prediction id{" "}
        <input type="search" name="id" value={props.id} placeholder={props.idPlaceholder} onInput={(e) => props.onId((e.target as HTMLInputElement).value)} size={props.idSize} />
      </label>
      <label>
        Model version{" "}
        <input type="text" inputMode="numeric" name="version" value={props.version} placeholder={props.versionPlaceholder} size={6} onInput={(e) => props.onVersion((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" class="primary" disabled={!parseIds(props.id).length}>
        {props.submit}
      </button>
      {props.children}
    </form>
  );
}
