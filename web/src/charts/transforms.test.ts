import { describe, expect, it } from "vitest";
import { envelopeOfPoints } from "./envelope";
import { ema, groupBand, robustRange, runningMean } from "./transforms";

describe("smoothing", () => {
  it("EMA starts at the first value (no bias to zero) and keeps gaps", () => {
    const out = ema([10, 10, null, 10], 0.9);
    expect(out[0]).toBeCloseTo(10);
    expect(out[1]).toBeCloseTo(10);
    expect(out[2]).toBeNull();
    expect(out[3]).toBeCloseTo(10);
  });

  it("EMA follows a step more slowly with a larger weight", () => {
    const slow = ema([0, 0, 0, 1, 1, 1], 0.9)[5]!;
    const fast = ema([0, 0, 0, 1, 1, 1], 0.5)[5]!;
    expect(fast).toBeGreaterThan(slow);
  });

  it("running mean averages the trailing window", () => {
    expect(runningMean([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
  });
});

describe("outliers and bands", () => {
  it("a robust range ignores a lone spike", () => {
    const values = Array.from({ length: 1000 }, (_, i) => i / 1000);
    values[500] = 1e6;
    const [lo, hi] = robustRange(values)!;
    expect(lo).toBeLessThan(0.05);
    expect(hi).toBeLessThan(1.2);
  });

  it("group bands give the mean with min–max or ±std across runs", () => {
    const runs = [1, 2, 3].map((v) => envelopeOfPoints([0, 10], [v, v], 0, 10, 10));
    const minmax = groupBand(runs, 0, 10, 2, "minmax");
    expect(minmax.mean[0]).toBeCloseTo(2);
    expect(minmax.lower[0]).toBe(1);
    expect(minmax.upper[0]).toBe(3);
    const std = groupBand(runs, 0, 10, 2, "std");
    expect(std.upper[0]! - std.mean[0]!).toBeCloseTo(Math.sqrt(2 / 3));
  });
});
