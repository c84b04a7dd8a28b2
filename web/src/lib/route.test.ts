import { describe, expect, it } from "vitest";
import { modelPath, monitorPath, monitorsPath, parseRoute, parseVersionRef, versionPath } from "./route";

describe("routes", () => {
  it("reads artifact and registry pages", () => {
    expect(parseRoute("/projects/p/artifacts")).toEqual({ page: "artifacts", project: "p" });
    expect(parseRoute("/projects/p/artifacts/student_data")).toEqual({ page: "artifact", project: "p", name: "student_data" });
    expect(parseRoute("/projects/p/artifacts/student_data/v/v3")).toEqual({ page: "artifactVersion", project: "p", name: "student_data", version: 3 });
    expect(parseRoute("/projects/p/artifacts/student_data/v/latest")).toMatchObject({ page: "missing" });
    expect(parseRoute("/registry")).toEqual({ page: "registry" });
    expect(parseRoute("/registry/dropout-risk")).toEqual({ page: "model", name: "dropout-risk" });
  });

  it("builds the paths it reads", () => {
    const path = versionPath("my project", "data.v2", 3, { tab: "files", file: "a/b.csv" });
    expect(path).toBe("/projects/my%20project/artifacts/data.v2/v/v3?tab=files&file=a%2Fb.csv");
    expect(parseRoute(path.split("?")[0])).toEqual({ page: "artifactVersion", project: "my project", name: "data.v2", version: 3 });
    expect(modelPath("m", { tab: "history" })).toBe("/registry/m?tab=history");
  });

  it("reads lineage node ids", () => {
    expect(parseVersionRef("dropout/student_data:v0")).toEqual({ project: "dropout", name: "student_data", version: 0 });
    expect(parseVersionRef("run1234")).toBeNull();
  });

  it("reads and builds monitoring pages", () => {
    expect(parseRoute("/monitors")).toEqual({ page: "monitors", project: null });
    expect(parseRoute("/projects/p/monitors")).toEqual({ page: "monitors", project: "p" });
    expect(parseRoute("/projects/p/monitors/dropout-risk")).toEqual({ page: "monitor", project: "p", name: "dropout-risk" });
    expect(parseRoute("/projects/p/monitors/a/b")).toMatchObject({ page: "missing" });
    expect(monitorsPath()).toBe("/monitors");
    expect(monitorsPath("my p")).toBe("/projects/my%20p/monitors");
    const path = monitorPath("p", "risk model", { tab: "drift", feature: "age" });
    expect(path).toBe("/projects/p/monitors/risk%20model?tab=drift&feature=age");
    expect(parseRoute(path.split("?")[0])).toEqual({ page: "monitor", project: "p", name: "risk model" });
  });
});
