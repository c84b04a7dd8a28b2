import type { Run } from "../../api/client";

/** The value of a column key (`summary.val_auc`, `config.optimizer.lr`, `state`…) in a run. */
export function cellValue(run: Run, column: string): unknown {
  if (column.startsWith("summary.")) return run.summary[column.slice(8)];
  if (column.startsWith("config.")) return flatConfig(run)[column.slice(7)];
  if (column === "tags") return run.tags.join(", ");
  return (run as unknown as Record<string, unknown>)[column];
}

const flatCache = new WeakMap<Run, Record<string, unknown>>();

/** The run's config with nested keys joined by dots, as search and the API name them. */
export function flatConfig(run: Run): Record<string, unknown> {
  let flat = flatCache.get(run);
  if (!flat) {
    flat = {};
    const walk = (value: unknown, prefix: string) => {
      if (value && typeof value === "object" && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value as Record<string, unknown>))
          walk(v, prefix ? `${prefix}.${k}` : k);
      } else flat![prefix] = value;
    };
    walk(run.config, "");
    flatCache.set(run, flat);
  }
  return flat;
}

/** Every config and summary column present in ``runs``, config first, each sorted. */
export function availableColumns(runs: Run[]): string[] {
  const config = new Set<string>();
  const summary = new Set<string>();
  for (const run of runs) {
    for (const key of Object.keys(flatConfig(run))) config.add(`config.${key}`);
    for (const key of Object.keys(run.summary)) summary.add(`summary.${key}`);
  }
  return [...[...config].sort(), ...[...summary].sort()];
}

/** Columns shown before the user picks any: a few summary metrics, then a few config keys. */
export function defaultColumns(available: string[]): string[] {
  const summary = available.filter((c) => c.startsWith("summary.") && !c.startsWith("summary.system/"));
  const config = available.filter((c) => c.startsWith("config."));
  return [...summary.slice(0, 5), ...config.slice(0, 3)];
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The table as shown (these runs, these columns) as CSV. */
export function toCsv(runs: Run[], columns: string[], format: (v: unknown) => string): string {
  const lines = [["id", ...columns].map(csvField).join(",")];
  for (const run of runs)
    lines.push([run.id, ...columns.map((c) => format(cellValue(run, c)))].map(csvField).join(","));
  return lines.join("\n") + "\n";
}
