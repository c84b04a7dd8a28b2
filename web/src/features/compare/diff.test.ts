import { describe, expect, it } from "vitest";
import type { Run } from "../../api/client";
import { allKeys, differingKeys, numericKeys, versus } from "./diff";

function run(id: string, config: Record<string, unknown>, summary: Record<string, unknown>): Run {
  return { id, name: id, config, summary, tags: [], metrics: {}, metadata: {} } as unknown as Run;
}

const a = run("a", { lr: 0.1, model: { cell: "gru" }, seed: 1 }, { auc: 0.8 });
const b = run("b", { lr: 0.01, model: { cell: "gru" }, seed: 1 }, { auc: 0.85, extra: "x" });

describe("compare diff", () => {
  it("lists nested config keys flattened, then summary keys", () => {
    expect(allKeys([a, b])).toEqual(["config.lr", "config.model.cell", "config.seed", "summary.auc", "summary.extra"]);
  });

  it("keeps only the keys that differ, counting a missing value as different", () => {
    expect(differingKeys([a, b], allKeys([a, b]))).toEqual(["config.lr", "summary.auc", "summary.extra"]);
  });

  it("compares against the baseline with a signed delta", () => {
    expect(versus(b, a, "summary.auc")).toEqual({ kind: "higher", delta: expect.closeTo(0.05, 10) });
    expect(versus(b, a, "config.lr").kind).toBe("lower");
    expect(versus(b, a, "config.seed").kind).toBe("same");
    expect(versus(b, a, "summary.extra").kind).toBe("changed");
    expect(versus(a, a, "summary.auc").kind).toBe("none");
  });

  it("finds the numeric columns", () => {
    expect(numericKeys([a, b], allKeys([a, b]))).toEqual(["config.lr", "config.seed", "summary.auc"]);
  });
});
