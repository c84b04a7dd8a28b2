import { cleanup, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import type { Run } from "../../api/client";
import { ExplanationPanel, formatImportance, MAX_FEATURES, runImportance } from "./ExplanationPanel";

afterEach(cleanup);

function run(summary: Record<string, unknown>): Run {
  return { id: "r1", summary } as unknown as Run;
}

const SUMMARY = {
  "explain/importance/avg_grade": 0.4,
  "explain/importance/attendance_rate": 2.5,
  "explain/importance/work_hours": 0.4,
  "explain/importance/lms_logins": 0,
  "explain/method": "shap-tree",
  "val/auc": 0.91,
};

describe("runImportance", () => {
  it("reads the summary's importances, highest first, ties by name", () => {
    const found = runImportance(SUMMARY);
    expect(found?.top.map((f) => f.feature)).toEqual(["attendance_rate", "avg_grade", "work_hours", "lms_logins"]);
    expect(found?.method).toBe("shap-tree");
    expect(found?.total).toBe(4);
  });

  it("keeps the 20 largest and leaves out what is not a finite number", () => {
    const summary: Record<string, unknown> = { "explain/importance/broken": "NaN", "explain/importance/text": "high" };
    for (let i = 0; i < 30; i++) summary[`explain/importance/f${String(i).padStart(2, "0")}`] = i;
    const found = runImportance(summary);
    expect(found?.top).toHaveLength(MAX_FEATURES);
    expect(found?.top[0]).toEqual({ feature: "f29", importance: 29 });
    expect(found?.total).toBe(30);
    expect(found?.method).toBeNull();
  });

  it("is null for a run without explanations", () => {
    expect(runImportance({ "val/auc": 0.9, "explain/method": "shap-tree" })).toBeNull();
  });
});

describe("ExplanationPanel", () => {
  it("draws one bar per input, in order, with the method and a plain explanation", () => {
    const { container, getByRole } = render(<ExplanationPanel run={run(SUMMARY)} />);
    expect(getByRole("region", { name: "Feature importance (SHAP)" })).toBeTruthy();
    const rows = [...container.querySelectorAll("tbody tr")];
    expect(rows.map((r) => r.querySelector("th")?.textContent)).toEqual(["attendance_rate", "avg_grade", "work_hours", "lms_logins"]);
    expect(rows.map((r) => r.querySelector("td .num")?.textContent)).toEqual(["2.5", "0.4", "0.4", "0"]);
    const widths = rows.map((r) => (r.querySelector(".bar") as HTMLElement).style.width);
    expect(widths).toEqual(["70%", "11.2%", "11.2%", "0%"]);
    expect(rows[0].querySelector(".bar")?.getAttribute("aria-hidden")).toBe("true");
    expect(container.textContent).toContain("How much each input moved this model's predictions on average");
    expect(container.querySelector("caption code")?.textContent).toBe("shap-tree");
    expect(container.querySelector("caption a")?.getAttribute("href")).toBe("/runs/r1?tab=artifacts");
  });

  it("does not call the permutation fallback SHAP", () => {
    const { getByRole, container } = render(<ExplanationPanel run={run({ ...SUMMARY, "explain/method": "permutation" })} />);
    expect(getByRole("region", { name: "Feature importance (permutation)" })).toBeTruthy();
    expect(container.textContent).toContain("when each input was shuffled");
    expect(container.textContent).not.toContain("SHAP");
  });

  it("says how many inputs it leaves out", () => {
    const summary: Record<string, unknown> = {};
    for (let i = 0; i < 25; i++) summary[`explain/importance/f${i}`] = i + 1;
    const { container } = render(<ExplanationPanel run={run(summary)} />);
    expect(container.querySelectorAll("tbody tr")).toHaveLength(20);
    expect(container.querySelector("caption")?.textContent).toContain("The 20 most important of 25 inputs.");
  });

  it("renders nothing for a run without explanations", () => {
    const { container } = render(<ExplanationPanel run={run({ "val/auc": 0.9 })} />);
    expect(container.innerHTML).toBe("");
  });
});

describe("formatImportance", () => {
  it("gives three significant digits, and tiny values in exponent form", () => {
    expect([0.9037, 0.57996, 0.082297, 12.345, 0, 0.00004567, -0.0123].map(formatImportance)).toEqual(["0.904", "0.58", "0.0823", "12.3", "0", "4.57e-5", "-0.0123"]);
  });
});
