// Group-by for the runs table: runs that share a value of a config key, with the count
// and the mean, min and max of each numeric column across the group.
import type { Run } from "../../api/client";
import { formatValue } from "../../components/format";
import { cellValue } from "./columns";

export interface Aggregate {
  count: number;
  mean: number;
  min: number;
  max: number;
}

export interface Group {
  value: string;
  runs: Run[];
  aggregates: Record<string, Aggregate | null>;
}

export function aggregate(runs: Run[], column: string): Aggregate | null {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const run of runs) {
    const v = cellValue(run, column);
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    count++;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return count ? { count, mean: sum / count, min, max } : null;
}

/** Groups in first-seen order (so they follow the table's sort), runs keeping their order. */
export function groupRuns(runs: Run[], key: string, columns: string[]): Group[] {
  const by = new Map<string, Run[]>();
  for (const run of runs) {
    const raw = cellValue(run, key);
    const value = raw === undefined ? "(not set)" : formatValue(raw);
    if (!by.has(value)) by.set(value, []);
    by.get(value)!.push(run);
  }
  return [...by.entries()].map(([value, members]) => ({
    value,
    runs: members,
    aggregates: Object.fromEntries(columns.map((c) => [c, aggregate(members, c)])),
  }));
}

export function describeAggregate(a: Aggregate | null): string {
  if (!a) return "";
  return `μ ${formatValue(a.mean)} · ${formatValue(a.min)}–${formatValue(a.max)}`;
}
