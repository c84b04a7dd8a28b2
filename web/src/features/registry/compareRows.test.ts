import { describe, expect, it } from "vitest";
import { compareRows } from "./compareRows";

describe("compareRows", () => {
  it("lines up metrics and metadata across versions and marks differences", () => {
    const rows = compareRows([
      { summary: { "val/accuracy": 0.78, "train/loss": 0.3 }, metadata: { hidden_size: 32 } },
      { summary: { "val/accuracy": 0.81, "train/loss": 0.3 }, metadata: { hidden_size: 64, lr: 0.001 } },
    ]);
    expect(rows.map((r) => `${r.section}:${r.key}`)).toEqual(["metric:train/loss", "metric:val/accuracy", "metadata:hidden_size", "metadata:lr"]);
    expect(rows[0]).toMatchObject({ differs: false, best: null });
    expect(rows[1]).toMatchObject({ differs: true, best: 1 });
    expect(rows[3].values).toEqual([undefined, 0.001]);
  });

  it("marks the smallest loss as the best", () => {
    const rows = compareRows([
      { summary: { "train/loss": 0.4 }, metadata: {} },
      { summary: { "train/loss": 0.3 }, metadata: {} },
      { summary: { "train/loss": 0.5 }, metadata: {} },
    ]);
    expect(rows[0].best).toBe(1);
  });
});
