// A registered model's versions, virtualised: aliases, the artifact version and run behind
// each, a Promote button, and checkboxes to compare versions.
import type { ModelVersion } from "../../api/client";
import { Link } from "../../components/Link";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatTime } from "../../components/format";
import { runPath, versionPath } from "../../lib/route";
import { LockIcon } from "./LockIcon";

interface Props {
  versions: ModelVersion[];
  selected: number[];
  onSelect: (versions: number[]) => void;
  onPromote: (version: ModelVersion) => void;
  protectedAliases: Record<string, string>;
  height: number;
}

export function ModelVersions(props: Props) {
  const chosen = new Set(props.selected);
  const toggle = (n: number) => props.onSelect(chosen.has(n) ? props.selected.filter((x) => x !== n) : [...props.selected, n].sort((a, b) => a - b));
  const columns: Column<ModelVersion>[] = [
    {
      key: "select",
      title: "",
      width: 40,
      render: (v) => <input type="checkbox" aria-label={`Select version ${v.version} to compare`} checked={chosen.has(v.version)} onChange={() => toggle(v.version)} />,
    },
    { key: "version", title: "Version", width: 80, render: (v) => <strong>v{v.version}</strong> },
    {
      key: "aliases",
      title: "Aliases",
      width: 200,
      render: (v) =>
        v.aliases.map((a) => (
          <span class={`alias-badge${a === "production" ? " alias-production" : ""}`} key={a}>
            {props.protectedAliases[a] ? <LockIcon role={props.protectedAliases[a]} /> : null}
            {a}
          </span>
        )),
    },
    {
      key: "artifact",
      title: "Artifact version",
      width: 220,
      render: (v) => (
        <Link href={versionPath(v.project, v.artifact, v.artifact_version)}>
          {v.artifact}:v{v.artifact_version}
        </Link>
      ),
    },
    { key: "run", title: "Run", width: 110, render: (v) => (v.run_id ? <Link href={runPath(v.run_id)}>{v.run_id}</Link> : <span class="muted">none</span>) },
    { key: "created_by", title: "By", width: 90, render: (v) => v.created_by },
    { key: "created_at", title: "Registered", width: 190, render: (v) => formatTime(v.created_at) },
    { key: "description", title: "Description", width: 200, render: (v) => <span class="muted" title={v.description}>{v.description}</span> },
    {
      key: "promote",
      title: "",
      width: 110,
      render: (v) => (
        <button type="button" class="small" aria-label={`Promote version ${v.version}`} onClick={() => props.onPromote(v)}>
          Promote…
        </button>
      ),
    },
  ];
  return (
    <VirtualTable
      label="Model versions"
      rows={props.versions}
      columns={columns}
      rowKey={(v) => String(v.version)}
      rowClass={(v) => (chosen.has(v.version) ? "selected-row" : "")}
      height={props.height}
    />
  );
}
