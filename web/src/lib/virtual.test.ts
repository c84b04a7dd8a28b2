import { describe, expect, it } from "vitest";
import { visibleRange } from "./virtual";

describe("visible rows", () => {
  it("renders the rows in view plus the overscan", () => {
    expect(visibleRange(0, 320, 32, 10_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(32_000, 320, 32, 10_000, 5)).toEqual({ start: 995, end: 1016 });
  });

  it("stays inside the list at its end and for tiny lists", () => {
    expect(visibleRange(10_000 * 32, 320, 32, 10_000, 5)).toEqual({ start: 9995, end: 10_000 });
    expect(visibleRange(0, 320, 32, 3)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(0, 320, 32, 0)).toEqual({ start: 0, end: 0 });
  });
});
