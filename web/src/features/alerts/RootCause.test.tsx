import { cleanup, fireEvent, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import type { Alert, RootCause } from "./api";
import { RootCauseSection } from "./RootCause";

afterEach(cleanup);

const alert = {
  id: 7,
  project: "p",
  source: { monitor: "risk", kind: "drift", subject: "gpa" },
} as unknown as Alert;

function rootCause(n: number): RootCause {
  return {
    alert_id: 7,
    change_at: "2026-11-17T00:00:00Z",
    method: "Each candidate is scored by the step it makes.",
    series: null,
    drifted: [{ feature: "gpa", method: "wasserstein", value: 0.5, threshold: 0.1, p_value: null, ratio: 5 }],
    segments: [
      { subject: "region", group: "West", metric: "roc_auc", value: 0.79, reference: 0.83, drop: 0.04 },
      { subject: "region", group: "East", metric: "roc_auc", value: 0.88, reference: 0.8, drop: -0.08 },
    ],
    timeline: [{ at: "2026-11-16T09:00:00Z", kind: "alias_set", text: "m@production moved to v2 (was v1)", link: { model: "m", version: 2, alias: "production" } }],
    importance: [],
    causes: Array.from({ length: n }, (_, i) => ({
      kind: "feature" as const,
      subject: `f${i}`,
      score: 1 - i / n,
      detail: `detail ${i}`,
      at: null,
      link: { monitor: "risk", feature: `f${i}` },
    })),
  };
}

describe("the root-cause section", () => {
  it("says nothing when the server has no analysis", () => {
    const { container } = render(<RootCauseSection alert={alert} rootCause={null} error={null} />);
    expect(container.textContent).toBe("");
  });

  it("ranks the candidates with score bars, and shows the rest on demand", () => {
    const { getByRole, getByText } = render(<RootCauseSection alert={alert} rootCause={rootCause(10)} error={null} />);
    const list = getByRole("list", { name: "Candidate causes" });
    expect(list.querySelectorAll("li")).toHaveLength(8);
    expect(list.querySelector("li")?.textContent).toContain("f0");
    expect((list.querySelector(".al-bar-fill") as HTMLElement).style.width).toBe("100%");
    expect(list.querySelector("a")?.getAttribute("href")).toBe("/projects/p/monitors/risk?tab=drift&feature=f0");
    fireEvent.click(getByText("Show all 10 candidates"));
    expect(list.querySelectorAll("li")).toHaveLength(10);
    expect(getByText(/Each candidate is scored/)).toBeTruthy();
  });

  it("lists segments that got worse only, and the changes around the alert with links", () => {
    const { getByRole } = render(<RootCauseSection alert={alert} rootCause={rootCause(1)} error={null} />);
    const segments = getByRole("table", { name: "Segments that got worse" });
    expect(segments.textContent).toContain("region = West");
    expect(segments.textContent).not.toContain("East");
    const changes = getByRole("list", { name: "Changes around the alert" });
    expect(changes.textContent).toContain("promotion");
    expect(changes.querySelector("a")?.getAttribute("href")).toBe("/registry/m");
  });

  it("shows the importance shift, and links importance causes and a version that began scoring", () => {
    const rc: RootCause = {
      ...rootCause(0),
      importance: [
        { feature: "attendance_rate", before: 0.26, after: 0.31, change: 0.05 },
        { feature: "course", before: null, after: 0.04, change: -0.012 },
      ],
      causes: [
        { kind: "importance", subject: "importance shift", score: 0.9, detail: "moved 3x its spread", at: null, link: { monitor: "risk", tab: "explanations" } },
      ],
      timeline: [
        {
          at: "2026-11-17T00:00:52Z",
          kind: "model_serving",
          text: "m v2 began scoring predictions (moved to @production in the registry)",
          link: { model: "m", version: 2, alias: "production" },
        },
      ],
    };
    const { getByRole } = render(<RootCauseSection alert={alert} rootCause={rc} error={null} />);
    const table = getByRole("table", { name: "Importance shift" });
    const rows = [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent));
    expect(rows).toEqual([
      ["attendance_rate", "26%", "31%", "+5.0 pts"],
      ["course", "–", "4.0%", "−1.2 pts"],
    ]);
    const causes = getByRole("list", { name: "Candidate causes" });
    expect(causes.textContent).toContain("importance shift");
    expect(causes.querySelector("a")?.getAttribute("href")).toBe("/projects/p/monitors/risk?tab=explanations");
    const changes = getByRole("list", { name: "Changes around the alert" });
    expect(changes.textContent).toContain("began scoring");
    expect(changes.querySelector("a")?.textContent).toContain("m v2 began scoring predictions");
    expect(changes.querySelector("a")?.getAttribute("href")).toBe("/registry/m?tab=compare&versions=2");
  });

  it("leaves the importance section out when there is none", () => {
    const { queryByRole } = render(<RootCauseSection alert={alert} rootCause={rootCause(1)} error={null} />);
    expect(queryByRole("table", { name: "Importance shift" })).toBeNull();
  });
});
