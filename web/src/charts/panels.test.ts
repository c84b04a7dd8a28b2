import { describe, expect, it } from "vitest";
import { defaultPanels, globMatch, sections } from "./panels";

describe("default panels", () => {
  const defs = [{ pattern: "train/*", step_metric: "epoch" }, { pattern: "val/*", step_metric: "epoch" }, { pattern: "debug/*", hidden: true }];
  const panels = defaultPanels(["val/auc", "train/loss", "epoch", "system/cpu_percent", "debug/x", "lr"], defs);

  it("one per metric, none for the step metric nor hidden ones", () => {
    expect(panels.map((p) => p.keys[0])).toEqual(["lr", "system/cpu_percent", "train/loss", "val/auc"]);
  });

  it("a metric with a step metric is drawn against it", () => {
    expect(panels.find((p) => p.keys[0] === "val/auc")!.x).toEqual({ kind: "metric", key: "epoch" });
    expect(panels.find((p) => p.keys[0] === "lr")!.x).toEqual({ kind: "step" });
  });

  it("sections by prefix, system last", () => {
    expect(sections(panels).map(([name]) => name)).toEqual(["charts", "train", "val", "system"]);
  });

  it("globs match like define_metric's", () => {
    expect(globMatch("train/*", "train/loss")).toBe(true);
    expect(globMatch("train/*", "val/loss")).toBe(false);
    expect(globMatch("a.b", "axb")).toBe(false);
  });
});
