import { describe, expect, it } from "vitest";
import { bucketAt, drawPoints, envelopeOfPoints, fromWire, valueAt, xExtent } from "./envelope";

function spikeSeries(n: number, at: number) {
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = 1 / (1 + i / 1000);
  }
  ys[at] = 50;
  return { xs, ys };
}

describe("envelopes", () => {
  it("keep a one-step spike in a million points at every zoom level", () => {
    const { xs, ys } = spikeSeries(1_000_000, 777_777);
    for (const [lo, hi] of [[0, 999_999], [700_000, 800_000], [777_000, 778_000], [777_770, 777_790]]) {
      const env = envelopeOfPoints(xs, ys, lo, hi, 400);
      const [, drawn] = drawPoints(env);
      expect(Math.max(...drawn.map((y) => y ?? -Infinity))).toBe(50);
      expect(drawn.length).toBeLessThanOrEqual(4 * 400);
    }
  });

  it("bucket stats are exact: count, min, max, first and last", () => {
    const env = envelopeOfPoints([0, 1, 2, 3, 10], [5, 1, 9, 4, 7], 0, 10, 2);
    expect(env.count).toEqual([4, 1]);
    expect(env.min[0]).toBe(1);
    expect(env.max[0]).toBe(9);
    expect(env.first[0]).toBe(5);
    expect(env.last[0]).toBe(4);
    expect(env.last[1]).toBe(7);
  });

  it("draws first, min/max and last per bucket, with x never going back", () => {
    const env = envelopeOfPoints([0, 1, 2, 3], [5, 1, 9, 4], 0, 3, 1);
    const [x, y] = drawPoints(env);
    expect(y).toEqual([5, 9, 1, 4]); // falling overall: max before min
    for (let i = 1; i < x.length; i++) expect(x[i]).toBeGreaterThanOrEqual(x[i - 1]);
  });

  it("NaN and infinity break the line instead of bending it", () => {
    const env = envelopeOfPoints([0, 1, 2], [1, NaN, 3], 0, 2, 3);
    expect(drawPoints(env)[1]).toEqual([1, null, 3]);
  });

  it("reads the server's wire format, non-finite strings included", () => {
    const env = fromWire({ edges: [0, 5, 10], count: [2, 1], min: [1, "NaN"], max: [2, "Infinity"], first: [1, "NaN"], last: [2, "-Infinity"], first_step: [0, 5], last_step: [4, 5] });
    expect(env.max[1]).toBe(Infinity);
    expect(env.last[1]).toBe(-Infinity);
    expect(Number.isNaN(env.min[1])).toBe(true);
    expect(xExtent([env])).toEqual([0, 5]);
  });

  it("finds the bucket under the pointer, or a near non-empty one", () => {
    const env = envelopeOfPoints([0, 9], [1, 2], 0, 10, 10);
    expect(bucketAt(env, 0.5)).toBe(0);
    expect(bucketAt(env, 9.2)).toBe(9);
    expect(bucketAt(env, 1.5)).toBe(0);
    expect(bucketAt(env, 5)).toBe(-1);
  });
});

describe("value at x", () => {
  it("carries the last point forward inside the series, and nothing outside it", () => {
    const env = envelopeOfPoints([0, 10], [1, 2], 0, 20, 20);
    expect(valueAt(env, 5)).toBe(1);
    expect(valueAt(env, 10)).toBe(2);
    expect(valueAt(env, 15)).toBeUndefined();
    expect(valueAt(env, -1)).toBeUndefined();
  });
});
