import { describe, expect, it } from "vitest";
import type { Run } from "../../api/client";
import { formatValue } from "../../components/format";
import { availableColumns, cellValue, defaultColumns, toCsv } from "./columns";

function run(id: string, config: Record<string, unknown>, summary: Record<string, unknown>): Run {
  return {
    id, name: `run ${id}`, project: "p", state: "finished", config, summary, tags: ["a", "b"],
    created_at: "2026-11-01T10:00:00Z", updated_at: "2026-11-01T10:00:00Z", metadata: {},
    metrics: {}, notes: "", last_step: 0,
  } as unknown as Run;
}

describe("run columns", () => {
  const runs = [
    run("1", { optimizer: { lr: 0.01 }, model: "rf" }, { val_auc: 0.81, "system/cpu": 3 }),
    run("2", { model: "lr, \"l2\"" }, { val_auc: Number.NaN }),
  ];

  it("reads nested config by its dotted key, summary and attributes", () => {
    expect(cellValue(runs[0], "config.optimizer.lr")).toBe(0.01);
    expect(cellValue(runs[0], "summary.val_auc")).toBe(0.81);
    expect(cellValue(runs[0], "state")).toBe("finished");
    expect(cellValue(runs[0], "tags")).toBe("a, b");
  });

  it("lists config then summary keys, and defaults skip system metrics", () => {
    const available = availableColumns(runs);
    expect(available).toEqual(["config.model", "config.optimizer.lr", "summary.system/cpu", "summary.val_auc"]);
    expect(defaultColumns(available)).toEqual(["summary.val_auc", "config.model", "config.optimizer.lr"]);
  });

  it("exports what is shown as CSV, quoting where needed", () => {
    const csv = toCsv(runs, ["config.model", "summary.val_auc"], formatValue);
    expect(csv).toBe('id,config.model,summary.val_auc\n1,rf,0.81\n2,"lr, ""l2""",NaN\n');
  });
});
