// The compare view's diff: which config and summary keys differ between runs, and how
// each run's value stands against the pinned baseline.
import type { Run } from "../../api/client";
import { availableColumns, cellValue } from "../runs/columns";

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every config and summary column of the runs, config first (as the runs table lists them). */
export const allKeys = availableColumns;

/** Columns whose value is not the same in every run (a missing value counts as a value). */
export function differingKeys(runs: Run[], keys: string[]): string[] {
  if (runs.length < 2) return keys;
  return keys.filter((key) => {
    const first = cellValue(runs[0], key);
    return runs.some((run) => !same(cellValue(run, key), first));
  });
}

export type Versus = "same" | "higher" | "lower" | "changed" | "none";

/** How a run's value of ``key`` compares to the baseline's. */
export function versus(run: Run, baseline: Run | undefined, key: string): { kind: Versus; delta: number | null } {
  if (!baseline || run === baseline) return { kind: "none", delta: null };
  const a = cellValue(run, key);
  const b = cellValue(baseline, key);
  if (same(a, b)) return { kind: "same", delta: null };
  if (typeof a === "number" && typeof b === "number" && Number.isFinite(a) && Number.isFinite(b))
    return { kind: a > b ? "higher" : "lower", delta: a - b };
  return { kind: "changed", delta: null };
}

/** Numeric columns (at least one finite number among the runs): axes for plots. */
export function numericKeys(runs: Run[], keys: string[]): string[] {
  return keys.filter((key) => runs.some((run) => {
    const v = cellValue(run, key);
    return typeof v === "number" && Number.isFinite(v);
  }));
}
