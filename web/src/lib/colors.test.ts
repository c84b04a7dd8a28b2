import { describe, expect, it } from "vitest";
import { PALETTE, runColor } from "./colors";

describe("run colours", () => {
  it("are the same for a run every time", () => {
    expect(runColor("3f2a9c")).toBe(runColor("3f2a9c"));
  });

  it("spread similar ids over the palette", () => {
    const used = new Set(Array.from({ length: 48 }, (_, i) => runColor(`run-${i}`)));
    expect(used.size).toBeGreaterThanOrEqual(PALETTE.length - 2);
  });
});
