import { cleanup, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { ContributionChart } from "./ContributionChart";

afterEach(cleanup);

const contributions = [
  { feature: "avg_grade", value: 83.7, contribution: -0.7 },
  { feature: "attendance_rate", value: 0.366, contribution: 1.05 },
  { feature: "region", value: "North", contribution: 0.0089 },
  { feature: "forum_posts", value: null, contribution: 0 },
];

describe("a prediction's contribution bars", () => {
  it("draws every input from the zero line, up to the right and down to the left, largest first", () => {
    const { getByRole } = render(<ContributionChart id="S1" contributions={contributions} binary />);
    const table = getByRole("table", { name: "What pushed the score of S1 up or down" });
    const rows = [...table.querySelectorAll("tbody tr")] as HTMLElement[];
    expect(rows.map((r) => [r.dataset.feature, r.dataset.direction])).toEqual([
      ["attendance_rate", "up"],
      ["avg_grade", "down"],
      ["region", "up"],
      ["forum_posts", "none"],
    ]);
    const bar = (i: number) => rows[i].querySelector(".expl-bar") as HTMLElement;
    expect(bar(0).style.left).toBe("50%");
    expect(bar(0).style.width).toBe("50%");
    expect(bar(1).style.right).toBe("50%");
    expect(parseFloat(bar(1).style.width)).toBeCloseTo((50 * 0.7) / 1.05);
    expect(rows[0].textContent).toContain("+1.05");
    expect(rows[1].textContent).toContain("−0.70");
    expect(rows[2].textContent).toContain("+0.009");
    expect(rows[3].textContent).toContain("missing");
    expect(table.textContent).toContain("raises the risk");
  });

  it("speaks of the prediction rather than a risk for regressions", () => {
    const { getByRole } = render(<ContributionChart id="S2" contributions={contributions} binary={false} />);
    expect(getByRole("table", { name: "What pushed the score of S2 up or down" }).textContent).toContain("lowers the prediction");
  });
});
