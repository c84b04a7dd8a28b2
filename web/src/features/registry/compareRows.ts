// The rows of the version comparison: one per summary metric and metadata key, across the
// compared versions; rows whose values differ are marked.

export interface Compared {
  summary: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface CompareRow {
  section: "metric" | "metadata";
  key: string;
  values: unknown[];
  differs: boolean;
  /** Index of the best number in a metric row: the largest, or the smallest for losses and
   * errors (null when not all numbers, or all equal). */
  best: number | null;
}

/** Metric names where smaller is better. */
export function lowerIsBetter(key: string): boolean {
  return /(loss|error|err|mse|mae|rmse|perplexity|latency)(\b|_|$)/i.test(key.split("/").pop() ?? key);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function rows(section: CompareRow["section"], maps: Record<string, unknown>[]): CompareRow[] {
  const keys = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
  return keys.map((key) => {
    const values = maps.map((m) => m[key]);
    const differs = values.some((v) => !same(v, values[0]));
    let best: number | null = null;
    if (section === "metric" && differs && values.every((v) => typeof v === "number" && Number.isFinite(v))) {
      const numbers = values as number[];
      best = numbers.indexOf(lowerIsBetter(key) ? Math.min(...numbers) : Math.max(...numbers));
    }
    return { section, key, values, differs, best };
  });
}

export function compareRows(compared: Compared[]): CompareRow[] {
  return [...rows("metric", compared.map((c) => c.summary)), ...rows("metadata", compared.map((c) => c.metadata))];
}
