import { describe, expect, it } from "vitest";
import type { MonitorResult } from "./api";
import {
  auditFields,
  axisOfResults,
  buildMatrix,
  columnOf,
  confusionOf,
  distributionBars,
  driftMatrix,
  findings,
  formatWindow,
  groupsOf,
  healthCounts,
  heatColor,
  lastIndex,
  metricValue,
  num,
  parseModelRef,
  pct,
  qualityIssues,
  readHealth,
  resultAt,
  seriesOf,
  severity,
  spans,
  verdictOf,
  windowAxis,
} from "./transforms";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 17); // Tue 17 Nov 2026
const iso = (i: number) => new Date(T0 + i * DAY).toISOString().replace(".000Z", "+00:00");

function result(over: Partial<MonitorResult> & { day?: number }): MonitorResult {
  const day = over.day ?? 0;
  return {
    window_start: iso(day),
    window_end: iso(day + 1),
    kind: "drift",
    subject: "age",
    group: "*",
    metric: "wasserstein",
    value: 0.05,
    p_value: null,
    lower: null,
    upper: null,
    threshold: 0.1,
    verdict: "ok",
    rows: 500,
    detail: {},
    ...over,
  };
}

const windows = [2, 0, 1].map((d) => ({ start: iso(d), end: iso(d + 1) }));

describe("window axis", () => {
  it("sorts windows, drops duplicates and finds a result's column whatever its ISO spelling", () => {
    const axis = windowAxis([...windows, windows[0]]);
    expect(axis.starts).toEqual([T0, T0 + DAY, T0 + 2 * DAY]);
    expect(axis.ends[2]).toBe(T0 + 3 * DAY);
    expect(columnOf(axis, iso(1))).toBe(1);
    expect(columnOf(axis, new Date(T0 + DAY).toISOString())).toBe(1);
    expect(columnOf(axis, iso(9))).toBeUndefined();
    expect(axisOfResults([result({ day: 1 }), result({ day: 0 }), result({ day: 1 })]).starts).toEqual([T0, T0 + DAY]);
  });

  it("names windows in words", () => {
    expect(formatWindow(T0, T0 + DAY)).toBe("Tue 17 Nov 2026");
    expect(formatWindow(T0, T0 + 7 * DAY)).toBe("17 Nov – 23 Nov 2026");
    expect(formatWindow(T0 + 14 * 3600_000, T0 + 15 * 3600_000)).toBe("17 Nov 2026 14:00–15:00 UTC");
  });
});

describe("verdicts and severity", () => {
  it("shows a fairness gap kept as ok with standing_gap as standing", () => {
    expect(verdictOf({ verdict: "ok", detail: { standing_gap: true } })).toBe("standing");
    expect(verdictOf({ verdict: "ok", detail: { standing_gap: false } })).toBe("ok");
    expect(verdictOf({ verdict: "drift", detail: {} })).toBe("drift");
    expect(verdictOf({ verdict: "something new", detail: {} })).toBe("ok");
  });

  it("scores distances against their threshold and p-values on a log scale", () => {
    expect(severity(result({ value: 0.5, threshold: 0.1 }))).toBeCloseTo(5);
    expect(severity(result({ metric: "ks", value: 0.2, p_value: 0.05, threshold: 0.05 }))).toBeCloseTo(1);
    expect(severity(result({ metric: "ks", value: 0.01, p_value: 1, threshold: 0.05 }))).toBeCloseTo(0);
    expect(severity(result({ metric: "ks", p_value: 0, threshold: 0.05 }))).toBeGreaterThan(100);
    expect(severity(result({ verdict: "insufficient_data", value: null }))).toBeNaN();
  });

  it("colours cells by verdict, darker further past the threshold", () => {
    expect(heatColor("insufficient_data", Number.NaN)).toBe("#cfd4dc");
    expect(heatColor("drift", 1)).not.toBe(heatColor("drift", 4));
    expect(heatColor("ok", 0.2)).toMatch(/^rgb\(2\d\d,/);
    expect(heatColor("standing", 1)).toBe("#f2c14e");
  });
});

describe("matrices", () => {
  const axis = windowAxis(windows);
  const results = [
    result({ subject: "score", day: 0 }),
    result({ subject: "course", metric: "jensenshannon", day: 2, verdict: "drift", value: 0.3 }),
    result({ subject: "age", day: 1 }),
    result({ kind: "quality", subject: "age", metric: "missing_rate", day: 1 }),
    result({ subject: "zeta", day: 0 }),
  ];

  it("puts features in the monitor's order, the score last, unknown rows after, alphabetically", () => {
    const m = driftMatrix(results, axis, { features: ["course", "age", "region"], prediction: "score" });
    expect(m.rows).toEqual(["course", "age", "score", "zeta"]);
    expect(resultAt(m, 0, 2)?.verdict).toBe("drift");
    expect(resultAt(m, 0, 0)).toBeNull();
    expect(resultAt(m, 1, 1)?.kind).toBe("drift"); // the quality row is not a drift cell
    expect(resultAt(m, 9, 0)).toBeNull();
  });

  it("keeps a row once when the order names it twice (a feature that is also a segment)", () => {
    const m = buildMatrix(results, axis, (r) => r.subject, ["course", "age", "course"]);
    expect(m.rows.filter((r) => r === "course")).toHaveLength(1);
  });

  it("handles 500 windows × 50 features quickly", () => {
    const many = Array.from({ length: 500 }, (_, d) => ({ start: iso(d), end: iso(d + 1) }));
    const big: MonitorResult[] = [];
    for (let d = 0; d < 500; d++) for (let f = 0; f < 50; f++) big.push(result({ day: d, subject: `f${f}` }));
    const started = performance.now();
    const m = driftMatrix(big, windowAxis(many), { features: Array.from({ length: 50 }, (_, f) => `f${f}`), prediction: null });
    expect(m.rows).toHaveLength(50);
    expect(resultAt(m, 49, 499)?.subject).toBe("f49");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("series", () => {
  it("aligns picked results on the windows, with gaps where a window has none", () => {
    const axis = windowAxis(windows);
    const s = seriesOf(
      [
        result({ kind: "performance", metric: "recall", day: 2, value: 0.4, lower: 0.3, upper: 0.5, threshold: 0.45, verdict: "alert" }),
        result({ kind: "performance", metric: "recall", day: 0, value: 0.6 }),
        result({ kind: "performance", metric: "accuracy", day: 1, value: 0.9 }),
      ],
      axis,
      (r) => r.metric === "recall",
    );
    expect(s.value).toEqual([0.6, null, 0.4]);
    expect(s.lower).toEqual([null, null, 0.3]);
    expect(s.verdict).toEqual(["ok", null, "alert"]);
    expect(lastIndex(s.value)).toBe(2);
    expect(lastIndex([null, null])).toBe(-1);
  });

  it("lists the groups of a subject without the overall row", () => {
    const rs = [
      result({ kind: "fairness", subject: "gender", group: "male" }),
      result({ kind: "fairness", subject: "gender", group: "*" }),
      result({ kind: "fairness", subject: "gender", group: "female" }),
      result({ kind: "fairness", subject: "disability", group: "none" }),
    ];
    expect(groupsOf(rs, "gender", "fairness")).toEqual(["female", "male"]);
  });
});

describe("distributions", () => {
  it("reads numerical histograms as shares on shared bins", () => {
    const bars = distributionBars({
      distribution: { kind: "numerical", edges: [0, 1, 2], reference_counts: [30, 10], current_counts: [1, 3], n_reference: 40, n_current: 4 },
    });
    expect(bars?.kind).toBe("numerical");
    expect(bars?.labels).toEqual(["0.0 – 1.00", "1.00 – 2.00"]);
    expect(bars?.reference).toEqual([0.75, 0.25]);
    expect(bars?.current).toEqual([0.25, 0.75]);
    expect(bars?.nCurrent).toBe(4);
  });

  it("reads categories, and the brief's reference/current spelling", () => {
    const bars = distributionBars({ distribution: { kind: "categorical", categories: ["A", "New"], reference: [10, 0], current: [5, 5] } });
    expect(bars?.labels).toEqual(["A", "New"]);
    expect(bars?.reference).toEqual([1, 0]);
    expect(bars?.nReference).toBe(10);
  });

  it("returns null for missing or inconsistent distributions", () => {
    expect(distributionBars({})).toBeNull();
    expect(distributionBars(null)).toBeNull();
    expect(distributionBars({ distribution: { kind: "categorical", categories: ["A"], reference_counts: [1, 2], current_counts: [1, 2] } })).toBeNull();
  });
});

describe("confusion, health and names", () => {
  it("reads a confusion matrix", () => {
    const c = confusionOf(result({ kind: "performance", metric: "confusion", value: null, detail: { matrix: [[387, 37], [41, 35]], classes: ["0", "1"] } }));
    expect(c).toEqual({ classes: ["0", "1"], matrix: [[387, 37], [41, 35]], total: 500 });
    expect(confusionOf(result({ detail: { matrix: [[1]], classes: ["0", "1"] } }))).toBeNull();
    expect(confusionOf(null)).toBeNull();
  });

  it("counts what alerted in the latest window", () => {
    const h = readHealth({
      verdict: "alert",
      issues: { drift: 5, quality: 2, performance: 3, estimated: 1, fairness: 2, multivariate: 1 },
      drifted_features: ["a", "b", "c", "d"],
      windows: 14,
      alerting_windows: 9,
    });
    expect(h.windows).toBe(14);
    expect(healthCounts(h)).toEqual({ drift: 4, quality: 2, performance: 4, fairness: 2 });
    expect(readHealth({}).verdict).toBe("no_data");
    expect(readHealth(null).drifted).toEqual([]);
  });

  it("splits model references", () => {
    expect(parseModelRef("dropout-risk@production")).toEqual({ name: "dropout-risk", selector: "production" });
    expect(parseModelRef("dropout-risk:v3")).toEqual({ name: "dropout-risk", selector: "v3" });
    expect(parseModelRef("m")).toEqual({ name: "m", selector: null });
    expect(parseModelRef(null)).toBeNull();
  });

  it("writes numbers the way people read them", () => {
    expect(pct(0.3)).toBe("30%");
    expect(pct(0.028)).toBe("2.8%");
    expect(pct(null)).toBe("–");
    expect(num(0.123456)).toBe("0.123");
    expect(num(12000)).toBe("12,000");
    expect(metricValue("recall", 0.5)).toBe("50%");
    expect(metricValue("roc_auc", 0.8123)).toBe("0.812");
  });
});

describe("findings in words", () => {
  const window = { start: iso(0), rows: 500, labeled: 0 };
  it("explains drift, quality, fairness and missing outcomes, each pointing to its tab", () => {
    const found = findings(
      [
        result({ subject: "lms_logins_per_week", verdict: "drift", value: 0.53, detail: { role: "feature" } }),
        result({ subject: "score", verdict: "drift", value: 0.2, detail: { role: "prediction" } }),
        result({ kind: "quality", subject: "work_hours", metric: "missing_rate", value: 0.3, verdict: "alert", detail: { reference: 0.03 } }),
        result({ kind: "quality", subject: "course", metric: "new_category_rate", value: 0.15, verdict: "alert", detail: { new_categories: ["Data Science"] } }),
        result({ kind: "fairness", subject: "gender", metric: "equalized_odds_difference", value: 0.2, threshold: 0.1, verdict: "ok", detail: { standing_gap: true, reference: 0.21 } }),
        result({ kind: "fairness", subject: "disability", metric: "equal_opportunity_difference", value: 0.3, threshold: 0.1, verdict: "alert", detail: { reference: 0.05 } }),
        result({ subject: "age", verdict: "insufficient_data", value: null }),
      ],
      window,
    );
    const text = found.map((f) => f.text).join("\n");
    expect(text).toContain("lms_logins_per_week no longer looks like the reference data: Wasserstein distance 0.53 (drift from 0.1)");
    expect(text).toContain("The model's risk scores (score) shifted");
    expect(text).toContain("work_hours is missing in 30% of rows (reference: 3.0%)");
    expect(text).toContain('course has a category the reference never had: "Data Science" (15% of values)');
    expect(text).toContain("a standing gap");
    expect(text).toContain("Across disability, the equal opportunity difference is 0.3 (limit 0.1), worse than in the reference data (0.05)");
    expect(text).toContain("No outcomes are known yet");
    expect(text).toContain("age could not be tested");
    expect(found.find((f) => f.kind === "drift")?.params).toEqual({ feature: "lms_logins_per_week", window: iso(0) });
    expect(found.find((f) => f.kind === "quality")?.tab).toBe("quality");
    expect(found.filter((f) => f.kind === "fairness").map((f) => f.level)).toEqual(["note", "alert"]);
  });

  it("says nothing when every check passed and outcomes are known", () => {
    expect(findings([result({})], { start: iso(0), rows: 10, labeled: 10 })).toEqual([]);
  });

  it("summarises segment alerts and concept drift", () => {
    const found = findings(
      [
        result({ kind: "performance", subject: "course", group: "History", metric: "recall", verdict: "alert", value: 0.2, threshold: 0.4 }),
        result({ kind: "performance", subject: "course", group: "Nursing", metric: "f1", verdict: "alert", value: 0.2, threshold: 0.4 }),
        result({ kind: "concept", subject: "*", metric: "roc_auc", verdict: "alert", value: 0.66, detail: { explanation: "realised roc_auc fell while no input drifted" } }),
      ],
      null,
    );
    expect(found.map((f) => f.text)).toEqual([
      "Concept drift: realised roc_auc fell while no input drifted.",
      "In 2 segments a metric fell below its alarm: course = History and course = Nursing. Small segments are noisy; check the confidence bands.",
    ]);
  });
});

describe("data quality", () => {
  it("lists each column's problem with its windows, worst first, and the new categories", () => {
    const axis = windowAxis([0, 1, 2, 3].map((d) => ({ start: iso(d), end: iso(d + 1) })));
    const q = (day: number, subject: string, metric: string, verdict: string, detail = {}) =>
      result({ kind: "quality", subject, metric, verdict, day, value: 0.1, detail });
    const issues = qualityIssues(
      [
        q(0, "work_hours", "missing_rate", "ok"),
        q(1, "work_hours", "missing_rate", "alert"),
        q(2, "work_hours", "missing_rate", "alert"),
        q(3, "work_hours", "missing_rate", "alert"),
        q(3, "course", "new_category_rate", "alert", { new_categories: ["Data Science"] }),
      ],
      axis,
    );
    expect(issues.map((i) => [i.column, i.metric, i.windows])).toEqual([
      ["work_hours", "missing_rate", [1, 2, 3]],
      ["course", "new_category_rate", [3]],
    ]);
    expect(issues[0].latest.window_start).toBe(iso(3));
    expect(issues[1].newCategories).toEqual(["Data Science"]);
    expect(spans([1, 2, 3, 5, 7, 8])).toEqual([[1, 3], [5, 5], [7, 8]]);
  });
});

describe("audit", () => {
  it("orders fields: prediction, outcome, inputs in the monitor's order, then the rest", () => {
    const rows = [{ __id: "S1", __ts: "2026-11-17T00:00:00+00:00", __mv: 1, age: 22, course: "Nursing", score: 0.1, predicted: 0, __label: 1, extra: "x" }];
    const fields = auditFields(rows, {
      features: ["course", "age"],
      segments: ["course"],
      sensitive: [],
      prediction: "score",
      prediction_label: "predicted",
      label: "dropped_out",
    });
    expect(fields.map((f) => f.key)).toEqual(["__ts", "__mv", "score", "predicted", "__label", "course", "age", "extra"]);
    expect(fields.map((f) => f.group)).toEqual(["prediction", "prediction", "prediction", "prediction", "outcome", "input", "input", "other"]);
  });
});
