import { describe, expect, it } from "vitest";
import type { ArtifactVersion } from "../../api/client";
import { versionPatch } from "./MetadataEditor";

const version = {
  project: "p",
  name: "data",
  version: 1,
  description: "old",
  tags: ["clean"],
  aliases: ["latest", "best"],
  metadata: { rows: 3 },
} as unknown as ArtifactVersion;

describe("versionPatch", () => {
  it("sends only what changed, and never touches 'latest'", () => {
    const patch = versionPatch(version, { description: "old", tags: "clean", aliases: "best, prod", metadata: '{"rows": 3}' });
    expect(patch).toEqual({ add_aliases: ["prod"], remove_aliases: [] });
  });

  it("replaces tags and metadata and removes dropped aliases", () => {
    const patch = versionPatch(version, { description: "new", tags: "clean gold", aliases: "", metadata: '{"rows": 4}' });
    expect(patch).toEqual({ description: "new", tags: ["clean", "gold"], add_aliases: [], remove_aliases: ["best"], metadata: { rows: 4 } });
  });

  it("refuses metadata that is not a JSON object", () => {
    expect(() => versionPatch(version, { description: "", tags: "", aliases: "", metadata: "[1]" })).toThrow(/JSON object/);
    expect(() => versionPatch(version, { description: "", tags: "", aliases: "", metadata: "{" })).toThrow();
  });
});
