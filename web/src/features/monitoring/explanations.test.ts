import { describe, expect, it } from "vitest";
import type { MonitorResult } from "./api";
import {
  changeText,
  contributionBars,
  contributionText,
  importanceSeries,
  lastExplained,
  methodWords,
  outputRisk,
  outputWords,
  readTopRows,
  readWindow,
  signed,
  valueText,
  versionChanges,
  versionsWords,
} from "./explanations";
import { windowAxis } from "./transforms";
import { parseMonitorView, viewPath } from "./view";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 8, 24);
const iso = (i: number) => new Date(T0 + i * 7 * DAY).toISOString().replace(".000Z", "Z");
const axis = windowAxis([0, 1, 2].map((w) => ({ start: iso(w), end: iso(w + 1) })));

function row(over: Partial<MonitorResult> & { week: number }): MonitorResult {
  const { week, ...rest } = over;
  return {
    window_start: iso(week),
    window_end: iso(week + 1),
    kind: "explanation",
    subject: "*",
    group: "*",
    metric: "importance",
    value: null,
    p_value: null,
    lower: null,
    upper: null,
    threshold: null,
    verdict: "ok",
    rows: 1000,
    detail: {},
    ...rest,
  };
}

const REFERENCE = { attendance_rate: 0.6, avg_grade: 0.3, course: 0.1 };

/** One week: three features' importances, the shift row with its top rows. */
function week(w: number, imp: Record<string, number>, versions: Record<string, number>): MonitorResult[] {
  const total = Object.values(imp).reduce((a, b) => a + b, 0);
  return [
    ...Object.entries(imp).map(([f, v]) =>
      row({ week: w, subject: f, value: v, detail: { share: v / total, reference: REFERENCE[f as keyof typeof REFERENCE] } }),
    ),
    row({
      week: w,
      metric: "importance_shift",
      value: 0.02 * (w + 1),
      detail: {
        method: "shap-linear",
        output_space: "log_odds",
        model_versions: versions,
        reference: REFERENCE,
        shifts: [],
        top_rows: [
          {
            row: `S${w}1`,
            output: 2,
            base_value: -1.9,
            method: "shap-linear",
            output_space: "log_odds",
            contributions: [
              { feature: "attendance_rate", value: 0.053, contribution: 2.136 },
              { feature: "course", value: "Nursing", contribution: -0.158 },
            ],
          },
          { output: 1 }, // no id: skipped
        ],
      },
    }),
  ];
}

const results: MonitorResult[] = [
  ...week(0, { attendance_rate: 0.6, avg_grade: 0.3, course: 0.1 }, { "1": 1000 }),
  ...week(1, { attendance_rate: 0.5, avg_grade: 0.3, course: 0.2 }, { "2": 1000 }),
  row({ week: 1, kind: "volume", subject: "model_version", group: "2", metric: "rows", value: 4000 }),
];

describe("importance over the windows", () => {
  it("charts the top features by mean share, with the shift and the model versions per window", () => {
    const s = importanceSeries(results, axis, 2);
    expect(s.features).toEqual(["attendance_rate", "avg_grade"]);
    expect(s.others).toEqual(["course"]);
    expect(s.shares[0].map((v) => (v === null ? null : +v.toFixed(6)))).toEqual([0.6, 0.5, null]);
    expect(s.shift).toEqual([0.02, 0.04, null]);
    expect(s.versions).toEqual(["1", "2", null]);
    expect(lastExplained(results, axis)).toBe(1);
    expect(lastExplained([], axis)).toBe(-1);
  });

  it("computes shares the server left empty from the window's importances", () => {
    const noShare = [row({ week: 0, subject: "a", value: 3, detail: { share: null } }), row({ week: 0, subject: "b", value: 1, detail: {} })];
    expect(importanceSeries(noShare, axis).shares).toEqual([
      [0.75, null, null],
      [0.25, null, null],
    ]);
  });

  it("marks the windows in which another model version began scoring", () => {
    expect(versionChanges(["1", "1", "1+2", null, "2"])).toEqual([
      { index: 2, label: "Model v1 and v2 scored this window (v1 before)" },
      { index: 4, label: "Model v2 scored this window (v1 and v2 before)" },
    ]);
    expect(versionChanges([null, "1", "1"])).toEqual([]);
  });
});

describe("one window", () => {
  it("lists every feature's share now and on the reference, largest change first", () => {
    const w = readWindow(results, axis.starts[1])!;
    expect(w.method).toBe("shap-linear");
    expect(w.outputSpace).toBe("log_odds");
    expect(w.modelVersions).toEqual([{ version: "2", rows: 1000 }]);
    expect(w.shift).toBe(0.04);
    expect(w.rows).toBe(1000);
    expect(w.features.map((f) => f.feature)).toEqual(["attendance_rate", "course", "avg_grade"]);
    const [attendance, course, grade] = w.features;
    expect(attendance.share).toBeCloseTo(0.5);
    expect(attendance.reference).toBeCloseTo(0.6);
    expect(attendance.change).toBeCloseTo(-0.1);
    expect(course.change).toBeCloseTo(0.1);
    expect(grade.change).toBeCloseTo(0);
    expect(w.topRows.map((r) => r.row)).toEqual(["S11"]);
    expect(readWindow(results, axis.starts[2])).toBeNull();
  });

  it("reads the top rows defensively", () => {
    expect(readTopRows(null)).toEqual([]);
    expect(readTopRows({ top_rows: "nope" })).toEqual([]);
    const [r] = readTopRows({ method: "shap-tree", output_space: "probability", top_rows: [{ row: 17, contributions: [{ feature: "x" }, { feature: "y", contribution: 0.1 }] }] });
    expect(r.row).toBe("17");
    expect(r.method).toBe("shap-tree");
    expect(r.outputSpace).toBe("probability");
    expect(Number.isNaN(r.output)).toBe(true);
    expect(r.contributions).toEqual([{ feature: "y", value: null, contribution: 0.1 }]);
  });
});

describe("explanations in words", () => {
  it("names the method and the scale", () => {
    expect(methodWords("shap-linear", "log_odds")).toBe("SHAP values of the log-odds (exact for this linear model)");
    expect(methodWords("shap-tree", "probability")).toBe("SHAP values of the predicted probability (exact for this tree model)");
    expect(methodWords("shap-linear+shap-tree", "log_odds")).toBe(
      "SHAP values of the log-odds (exact for this linear model); SHAP values of the log-odds (exact for this tree model)",
    );
    expect(methodWords("permutation", "prediction")).toContain("Permutation effects of the prediction (not SHAP");
    expect(methodWords("", "")).toBe("Explanations of the score");
  });

  it("turns outputs into risks", () => {
    expect(outputRisk(0, "log_odds")).toBe(0.5);
    expect(outputRisk(0.3, "probability")).toBe(0.3);
    expect(outputRisk(12, "prediction")).toBeNull();
    expect(outputRisk(Number.NaN, "log_odds")).toBeNull();
    expect(outputWords(5.327, "log_odds")).toBe("99.5%");
    expect(outputWords(2, "log_odds")).toBe("88.1%");
    expect(outputWords(9, "log_odds")).toBe(">99.9%");
    expect(outputWords(0.0004, "probability")).toBe("<0.1%");
    expect(outputWords(12.5, "prediction")).toBe("12.5");
  });

  it("writes pushes with their sign and the value behind them", () => {
    expect(signed(0.4213)).toBe("+0.42");
    expect(signed(-1.3)).toBe("−1.30");
    expect(signed(0)).toBe("0");
    expect(signed(0.0089)).toBe("+0.009");
    expect(signed(-0.0076)).toBe("−0.008");
    expect(signed(-0.0004)).toBe("−<0.001");
    expect(signed(0.01234, 3)).toBe("+0.012");
    expect(contributionText({ feature: "attendance_rate", value: 0.053, contribution: 2.136 })).toBe("+2.14 attendance_rate = 0.053");
    expect(contributionText({ feature: "course", value: "Nursing", contribution: -0.158 })).toBe("−0.16 course = Nursing");
    expect(valueText(null)).toBe("missing");
    expect(valueText(true)).toBe("yes");
    expect(changeText(0.0531)).toBe("+5.3 pts");
    expect(changeText(-0.12)).toBe("−12 pts");
    expect(changeText(0.00001)).toBe("0 pts");
    expect(changeText(null)).toBe("–");
    expect(versionsWords([{ version: "2", rows: 1000 }])).toBe("model version 2");
    expect(versionsWords([{ version: "1", rows: 400 }, { version: "2", rows: 600 }])).toBe("model versions 1 (400 explained) and 2 (600 explained)");
  });

  it("sizes bars against the largest push, up or down", () => {
    const bars = contributionBars([
      { feature: "a", value: 1, contribution: 0.5 },
      { feature: "b", value: 2, contribution: -2 },
      { feature: "c", value: null, contribution: 0 },
    ]);
    expect(bars.map((b) => [b.feature, b.size, b.direction])).toEqual([
      ["b", 1, "down"],
      ["a", 0.25, "up"],
      ["c", 0, "none"],
    ]);
    expect(contributionBars([{ feature: "z", value: 0, contribution: 0 }])[0].size).toBe(0);
  });
});

describe("the tab in the URL", () => {
  it("opens the explanations tab on one prediction", () => {
    const path = viewPath("p", "m", { tab: "explanations", id: "S1" });
    expect(path).toBe("/projects/p/monitors/m?tab=explanations&id=S1");
    const view = parseMonitorView(path.split("?")[1]);
    expect(view.tab).toBe("explanations");
    expect(view.id).toBe("S1");
  });
});
