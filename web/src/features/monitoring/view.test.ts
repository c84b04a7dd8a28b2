import { describe, expect, it } from "vitest";
import type { MonitorResult } from "./api";
import { fewGroups, midpoints, parseIds, qualityColor } from "./transforms";
import { parseMonitorView, viewPath } from "./view";

describe("monitor view in the URL", () => {
  it("reads a tab and its selection, ignoring unknown tabs", () => {
    const view = parseMonitorView("?tab=drift&feature=lms_logins_per_week&window=2026-11-18T00%3A00%3A00.000Z");
    expect(view.tab).toBe("drift");
    expect(view.feature).toBe("lms_logins_per_week");
    expect(view.window).toBe("2026-11-18T00:00:00.000Z");
    expect(view.metric).toBeNull();
    expect(parseMonitorView("?tab=nope").tab).toBe("overview");
    expect(parseMonitorView("").tab).toBe("overview");
  });

  it("writes only what is set, and reads back what it wrote", () => {
    const path = viewPath("dropout", "dropout-risk", { tab: "audit", id: "S1,S2", version: null, feature: null });
    expect(path).toBe("/projects/dropout/monitors/dropout-risk?tab=audit&id=S1%2CS2");
    expect(parseMonitorView(path.split("?")[1]).id).toBe("S1,S2");
    expect(viewPath("p", "m", { tab: "overview" })).toBe("/projects/p/monitors/m");
  });
});

describe("small helpers of the tabs", () => {
  it("reads typed ids: commas, spaces or new lines, each once", () => {
    expect(parseIds(" S1, S2\nS3  S1;")).toEqual(["S1", "S2", "S3"]);
    expect(parseIds("   ")).toEqual([]);
  });

  it("finds groups too small to compare in most windows", () => {
    const r = (day: number, insufficient: string[]) =>
      ({ window_start: `2026-11-1${day}T00:00:00+00:00`, detail: { insufficient_groups: insufficient } }) as unknown as MonitorResult;
    expect([...fewGroups([r(0, ["non-binary"]), r(1, ["non-binary"]), r(2, []), r(3, ["other"])])]).toEqual(["non-binary"]);
  });

  it("colours quality cells by value, red when they alerted", () => {
    expect(qualityColor(null, 1, false)).toBe("#cfd4dc");
    expect(qualityColor(0, 0.3, false)).toBe("rgb(240,246,250)");
    expect(qualityColor(0.3, 0.3, true)).toBe("rgb(180,40,30)");
  });

  it("draws each window's value at its middle", () => {
    expect(midpoints({ starts: [0, 86_400_000], ends: [86_400_000, 172_800_000], index: new Map() })).toEqual([43_200, 129_600]);
  });
});
