// Registry events in words, for the history table.
import type { RegistryEvent } from "../../api/client";
import { formatValue } from "../../components/format";

export function describeEvent(e: RegistryEvent): string {
  const d = e.details as Record<string, unknown>;
  switch (e.action) {
    case "model_created":
      return "model created";
    case "version_created":
      return `version ${e.version} registered${d.artifact ? ` from ${String(d.artifact)}` : ""}`;
    case "alias_set":
      return `${e.alias} → v${e.version}${e.previous_version != null ? ` (was v${e.previous_version})` : " (new alias)"}${d.rollback ? " · rollback" : ""}`;
    case "alias_removed":
      return `${e.alias} removed${e.previous_version != null ? ` (was v${e.previous_version})` : e.version != null ? ` (was v${e.version})` : ""}`;
    case "alias_protected":
      return `${e.alias} protected: moving it requires the role ${formatValue(d.role)}`;
    case "alias_unprotected":
      return `${e.alias} no longer protected`;
    case "model_renamed":
      return `renamed from ${formatValue(d.old)} to ${formatValue(d.new)}`;
    case "version_deleted":
      return `version ${e.version} deleted${d.artifact ? ` (was ${String(d.artifact)})` : ""}`;
    case "description_changed":
      return e.version != null ? `description of v${e.version} edited` : "model card edited";
    case "tag_set":
    case "tag_removed": {
      const what = Object.entries(d)
        .map(([k, v]) => `${k} ${formatValue(v)}`)
        .join(", ");
      return `${e.action === "tag_set" ? "tag set" : "tag removed"}${e.version != null ? ` on v${e.version}` : ""}${what ? `: ${what}` : ""}`;
    }
    default:
      return `${e.action.replace(/_/g, " ")}${e.version != null ? ` v${e.version}` : ""}`;
  }
}

/** A date for a datetime-local input, in local time, to the second. */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
