import { describe, expect, it } from "vitest";
import type { Preview } from "./api";
import { busiestScope, chartSeries, firingSpans, shortDate, summarise } from "./preview";

function preview(values: (number | null)[], firing: boolean[], change: Partial<Preview> = {}): Preview {
  const transitions: [number, "firing" | "resolved"][] = [];
  firing.forEach((on, i) => {
    if (on !== (i > 0 && firing[i - 1])) transitions.push([i, on ? "firing" : "resolved"]);
  });
  return {
    scope: "s",
    label: "s",
    times: values.map((_, i) => new Date(Date.UTC(2026, 10, 1 + i)).toISOString()),
    steps: values.map(() => null),
    values,
    verdicts: null,
    breach: firing,
    firing,
    lower: values.map(() => null),
    upper: values.map(() => 0.5),
    transitions,
    ...change,
  };
}

const F = false;
const T = true;

describe("the preview sentence", () => {
  it("counts each time the rule starts firing, and says when it last did", () => {
    const p = preview([0.1, 0.9, 0.8, 0.1, 0.7, 0.1], [F, T, T, F, T, F]);
    const s = summarise([p]);
    expect(s.fired).toBe(2);
    expect(s.last).toBe("5 Nov");
    expect(s.sentence).toBe("Would have fired twice in the last 6 windows (last: 5 Nov).");
  });

  it("changes with the threshold: none, once, n times, and firing now", () => {
    expect(summarise([preview([0.1, 0.2], [F, F])]).sentence).toBe("Would not have fired in the last 2 windows.");
    expect(summarise([preview([0.1, 0.9], [F, T])]).sentence).toBe("Would have fired once in the last 2 windows (last: 2 Nov). It would be firing now.");
    const many = preview([1, 0, 1, 0, 1, 0], [T, F, T, F, T, F]);
    expect(summarise([many], "points").sentence).toBe("Would have fired 3 times in the last 6 points (last: 5 Nov).");
    expect(summarise([preview([0.84], [F])], "points").sentence).toBe("Would not have fired on the only point so far.");
  });

  it("adds up the series of a rule that watches each subject", () => {
    const a = preview([0.1, 0.9], [F, T], { scope: "a" });
    const b = preview([0.1, 0.1], [F, F], { scope: "b" });
    const s = summarise([a, b]);
    expect(s.sentence).toBe("Would have fired once in the last 2 windows, for 1 of 2 series (last: 2 Nov). 1 would be firing now.");
    expect(busiestScope([b, a])).toBe("a");
  });

  it("says so when there is nothing to judge", () => {
    expect(summarise([]).sentence).toBe("Nothing to judge yet: what this rule watches has no points.");
  });

  it("uses steps for a run's metric", () => {
    const p = preview([1, 5], [F, T], { steps: [10, 20], times: ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"] });
    expect(summarise([p], "points").last).toBe("step 20");
    const c = chartSeries(p);
    expect(c.time).toBe(false);
    expect(c.x).toEqual([10, 20]);
    expect(c.labels).toEqual(["step 10", "step 20"]);
  });
});

describe("preview chart series", () => {
  it("keeps the band sides that exist and the firing stretches", () => {
    const p = preview([0.1, Number.NaN, 0.9, 0.8, 0.1], [F, F, T, T, F]);
    const c = chartSeries(p);
    expect(c.time).toBe(true);
    expect(c.x[0]).toBe(Date.UTC(2026, 10, 1) / 1000);
    expect(c.values[1]).toBeNull();
    expect(c.lower).toBeNull();
    expect(c.upper).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(c.spans).toEqual([[2, 3]]);
    expect(c.transitions).toEqual([
      { index: 2, state: "firing" },
      { index: 4, state: "resolved" },
    ]);
  });

  it("finds firing stretches at both ends", () => {
    expect(firingSpans([T, F, T, T])).toEqual([
      [0, 0],
      [2, 3],
    ]);
    expect(firingSpans([])).toEqual([]);
  });

  it("writes dates the way the windows are cut (UTC)", () => {
    expect(shortDate("2026-11-20T00:00:00Z")).toBe("20 Nov");
    expect(shortDate("2026-11-20T06:30:00Z")).toBe("20 Nov 06:30");
  });
});
