import { describe, expect, it } from "vitest";
import {
  choicesOf,
  conditionFromWire,
  conditionToWire,
  DEFAULT_CONDITION,
  describeCondition,
  describeTarget,
  fitTarget,
  targetToWire,
  type ConditionForm,
} from "./conditions";

const form = (change: Partial<ConditionForm>): ConditionForm => ({ ...DEFAULT_CONDITION, ...change });

describe("condition form ↔ JSON", () => {
  it("sends only the keys a kind takes", () => {
    expect(conditionToWire(form({ op: "above", value: "0.3", low: "1", high: "2" }))).toEqual({ kind: "threshold", op: "above", value: 0.3, for_windows: 1 });
    expect(conditionToWire(form({ op: "outside", low: "0.2", high: "0.8", forWindows: "2" }))).toEqual({
      kind: "threshold",
      op: "outside",
      low: 0.2,
      high: 0.8,
      for_windows: 2,
    });
    expect(conditionToWire(form({ kind: "is_nan" }))).toEqual({ kind: "is_nan", for_windows: 1 });
    expect(conditionToWire(form({ kind: "verdict", verdicts: ["drift", "alert"] }))).toEqual({ kind: "verdict", verdicts: ["drift", "alert"], for_windows: 1 });
  });

  it("turns percent into a share, and sends a window only for a rolling baseline", () => {
    expect(conditionToWire(form({ kind: "change", direction: "drop", relativePct: "7", baseline: "reference" }))).toEqual({
      kind: "change",
      direction: "drop",
      relative: 0.07,
      baseline: "reference",
      for_windows: 1,
    });
    expect(conditionToWire(form({ kind: "change", baseline: "rolling", baselineWindows: "5" }))).toMatchObject({ baseline: "rolling", baseline_windows: 5 });
  });

  it("leaves a blank number out, so the server names what is missing", () => {
    expect(conditionToWire(form({ value: "  " }))).toEqual({ kind: "threshold", op: "above", for_windows: 1 });
  });

  it("reads back what it writes", () => {
    const cases: Partial<ConditionForm>[] = [
      { op: "below", value: "0.7", forWindows: "3" },
      { op: "inside", low: "-1", high: "1" },
      { kind: "change", direction: "rise", relativePct: "12.5", baseline: "rolling", baselineWindows: "7" },
      { kind: "anomaly", method: "ewma", window: "14", k: "2.5", warmup: "7", seasonal: "day_of_week", anomalyDirection: "below" },
      { kind: "verdict", verdicts: ["failed", "crashed"] },
    ];
    for (const c of cases) {
      const wire = conditionToWire(form(c));
      expect(conditionToWire(conditionFromWire(wire))).toEqual(wire);
      expect(conditionFromWire(wire)).toMatchObject(c);
    }
  });
});

describe("rules in plain words", () => {
  it("says what a rule watches", () => {
    expect(describeTarget({ type: "monitor", monitor: "risk", kind: "drift", subject: "gpa", group: "*", metric: null })).toBe("Feature drift of gpa in monitor risk");
    expect(describeTarget({ type: "monitor", monitor: "risk", kind: "drift", subject: null, group: "*", metric: null })).toBe(
      "Feature drift, each feature on its own in monitor risk",
    );
    expect(describeTarget({ type: "model", model: "m@production", kind: "performance", subject: "course", group: "Data Science", metric: "recall" })).toBe(
      "Recall (performance) for course = Data Science of m@production (every monitor watching it)",
    );
    expect(describeTarget({ type: "runs", filter: "tags contains 'nightly'", metric: "val/loss", subject: "*", group: "*", after_step: 5 })).toBe(
      "val/loss of runs where tags contains 'nightly', after step 5",
    );
    expect(describeTarget({ type: "runs", filter: "", metric: "_state", subject: "*", group: "*", stall_minutes: 30 })).toBe(
      "the state of every run (stalled after 30 min of silence)",
    );
  });

  it("says when it fires", () => {
    expect(describeCondition({ kind: "threshold", op: "below", value: 0.7, for_windows: 2 })).toBe("below 0.7, 2 windows in a row");
    expect(describeCondition({ kind: "threshold", op: "outside", low: 0.2, high: 0.8, for_windows: 1 })).toBe("outside 0.2 – 0.8");
    expect(describeCondition({ kind: "change", direction: "drop", relative: 0.1, baseline: "reference" })).toBe("drops by more than 10 % from the reference");
    expect(describeCondition({ kind: "verdict", verdicts: ["drift"] })).toBe("the verdict is drift");
    expect(describeCondition({ kind: "anomaly", method: "zscore", window: 20, k: 3, seasonal: "day_of_week", direction: "either" })).toBe(
      "unusual: outside ±3 standard deviations of its last 20 values on the same weekday",
    );
    expect(describeCondition({ kind: "is_nan", for_windows: 3 }, "points")).toBe("missing (NaN), 3 points in a row");
  });
});

describe("targets", () => {
  it("keeps only the fields of its type", () => {
    expect(targetToWire({ type: "runs", filter: "x", metric: "loss", monitor: "m", kind: "drift", subject: null, group: "g", after_step: 3, stall_minutes: 9 })).toEqual({
      type: "runs",
      filter: "x",
      metric: "loss",
      subject: "*",
      group: "*",
      after_step: 3,
      stall_minutes: null,
    });
    expect(targetToWire({ type: "model", model: "m@prod", monitor: "x", kind: "performance", subject: "*", group: "*", metric: "recall" })).toEqual({
      type: "model",
      monitor: null,
      model: "m@prod",
      kind: "performance",
      subject: "*",
      group: "*",
      metric: "recall",
    });
  });

  const results = [
    { kind: "drift", subject: "gpa", group: "*", metric: "wasserstein" },
    { kind: "drift", subject: "course", group: "*", metric: "jensenshannon" },
    { kind: "performance", subject: "*", group: "*", metric: "recall" },
    { kind: "performance", subject: "*", group: "*", metric: "confusion" },
    { kind: "performance", subject: "course", group: "A", metric: "recall" },
    { kind: "performance", subject: "course", group: "B", metric: "recall" },
  ];

  it("offers the monitor's results as choices, in the glossary's order", () => {
    const c = choicesOf(results);
    expect(c.kinds).toEqual(["drift", "performance"]);
    expect(c.subjects("performance")).toEqual(["*", "course"]);
    expect(c.groups("performance", "course")).toEqual(["A", "B"]);
    expect(c.metrics("performance", "*", "*")).toEqual(["recall"]);
    expect(c.metrics("drift", null, "*")).toEqual(["jensenshannon", "wasserstein"]);
  });

  it("falls back to what the new kind has", () => {
    const c = choicesOf(results);
    const start = { type: "monitor" as const, monitor: "m", kind: "drift", subject: "gpa", group: "*", metric: "wasserstein" };
    expect(fitTarget({ ...start, kind: "performance" }, c)).toMatchObject({ kind: "performance", subject: "*", group: "*", metric: "recall" });
    expect(fitTarget({ ...start, subject: "course" }, c)).toMatchObject({ subject: "course", metric: "jensenshannon" });
    expect(fitTarget({ ...start, subject: null, metric: null }, c)).toMatchObject({ subject: null, metric: null });
    expect(fitTarget({ ...start, kind: "performance", subject: "course", group: "*" }, c)).toMatchObject({ group: "A", metric: "recall" });
  });
});
