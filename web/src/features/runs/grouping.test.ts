import { describe, expect, it } from "vitest";
import type { Run } from "../../api/client";
import { groupRuns } from "./grouping";

const run = (id: string, optimizer: string | undefined, auc: number | string) =>
  ({ id, name: id, tags: [], config: optimizer ? { optimizer } : {}, summary: { auc } }) as unknown as Run;

describe("group by a config key", () => {
  it("groups in first-seen order with count, mean, min and max", () => {
    const groups = groupRuns([run("a", "adam", 0.8), run("b", "sgd", 0.6), run("c", "adam", 0.9), run("d", undefined, 0.5)], "config.optimizer", ["summary.auc"]);
    expect(groups.map((g) => [g.value, g.runs.length])).toEqual([["adam", 2], ["sgd", 1], ["(not set)", 1]]);
    const agg = groups[0].aggregates["summary.auc"]!;
    expect(agg.count).toBe(2);
    expect(agg.mean).toBeCloseTo(0.85);
    expect([agg.min, agg.max]).toEqual([0.8, 0.9]);
  });

  it("skips values that are not numbers in aggregates", () => {
    const groups = groupRuns([run("a", "adam", "n/a")], "config.optimizer", ["summary.auc"]);
    expect(groups[0].aggregates["summary.auc"]).toBeNull();
  });
});
