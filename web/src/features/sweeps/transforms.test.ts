import { describe, expect, it } from "vitest";
import type { Sweep, SweepMetric, Trial } from "../../api/client";
import { parseRoute, sweepPath, sweepsPath } from "../../lib/route";
import { parseView } from "../../lib/viewState";
import {
  allowedActions,
  axisPosition,
  axisTicks,
  bestText,
  gridRange,
  historyOf,
  numericParams,
  paramsOf,
  paretoData,
  paretoFront,
  plottedParams,
  progressOf,
  slicesOf,
  sweepRunsPath,
} from "./transforms";
import { isLive, trialsSignature } from "./useSweep";

function trial(number: number, state: Trial["state"], values: (number | null)[] | null, params: Record<string, unknown> = {}): Trial {
  return {
    sweep_id: "s1",
    number,
    state,
    config: params,
    params,
    values,
    run_id: `run${number}`,
    agent: "a",
    created_at: "2026-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    heartbeat_at: null,
    retry_of: null,
    attempt: 0,
    message: "",
    steps: [],
    intermediate: [],
  };
}

const loss: SweepMetric = { name: "loss", goal: "minimize", target: null };
const acc: SweepMetric = { name: "acc", goal: "maximize", target: null };

describe("progress", () => {
  it("scales each state to the planned trials and counts the ended ones", () => {
    const p = progressOf({ counts: { finished: 6, pruned: 2, running: 1, failed: 1 }, total: 10, run_cap: 40, space_size: null });
    expect(p.planned).toBe(40);
    expect(p.done).toBe(9);
    const finished = p.segments.find((s) => s.state === "finished")!;
    expect(finished.n).toBe(6);
    expect(finished.share).toBeCloseTo(6 / 40);
    expect(p.segments.find((s) => s.state === "queued")!.n).toBe(0);
    expect(p.segments.map((s) => s.state)).toEqual(["finished", "pruned", "failed", "running", "queued", "cancelled"]);
  });

  it("fills the bar with the trials so far when the sweep has no limit, and uses a grid's size", () => {
    const open = progressOf({ counts: { finished: 3, running: 1 }, total: 4, run_cap: null, space_size: null });
    expect(open.planned).toBeNull();
    expect(open.segments.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1);
    expect(progressOf({ counts: {}, total: 0, run_cap: null, space_size: 12 }).planned).toBe(12);
  });

  it("offers the actions a state allows", () => {
    expect(allowedActions("running")).toEqual({ resume: false, pause: true, stop: true, cancel: true });
    expect(allowedActions("paused")).toEqual({ resume: true, pause: false, stop: true, cancel: true });
    expect(allowedActions("finished")).toEqual({ resume: false, pause: false, stop: false, cancel: false });
    expect(allowedActions("cancelled").cancel).toBe(false);
  });
});

describe("optimisation history", () => {
  const trials = [
    trial(3, "finished", [0.5]),
    trial(0, "finished", [0.9]),
    trial(1, "pruned", [0.1]),
    trial(2, "finished", [0.7]),
    trial(4, "running", null),
    trial(5, "finished", [null]),
    trial(6, "finished", [0.6]),
  ];

  it("keeps finished trials with a value, by number, with the lowest so far when minimising", () => {
    const h = historyOf(trials, "minimize");
    expect(h.numbers).toEqual([0, 2, 3, 6]);
    expect(h.values).toEqual([0.9, 0.7, 0.5, 0.6]);
    expect(h.best).toEqual([0.9, 0.7, 0.5, 0.5]); // the pruned trial's 0.1 is not a result
  });

  it("keeps the highest so far when maximising", () => {
    expect(historyOf(trials, "maximize").best).toEqual([0.9, 0.9, 0.9, 0.9]);
    const rising = [trial(0, "finished", [0.2]), trial(1, "finished", [0.8]), trial(2, "finished", [0.5])];
    expect(historyOf(rising, "maximize").best).toEqual([0.2, 0.8, 0.8]);
  });

  it("reads another metric by index", () => {
    const two = [trial(0, "finished", [1, 5]), trial(1, "finished", [2, 3])];
    expect(historyOf(two, "minimize", 1).best).toEqual([5, 3]);
  });
});

describe("Pareto front", () => {
  it("keeps the points no other beats on both metrics", () => {
    const points: [number, number][] = [
      [1, 5], // front
      [2, 3], // front
      [3, 4], // beaten by [2, 3]
      [4, 1], // front
      [2, 3], // equal to a front point: also on the front
      [5, 1], // beaten by [4, 1] (same second, worse first)
    ];
    expect(paretoFront(points, ["minimize", "minimize"]).sort()).toEqual([0, 1, 3, 4]);
  });

  it("follows each metric's goal", () => {
    const points: [number, number][] = [
      [0.9, 10],
      [0.8, 5],
      [0.95, 20],
      [0.7, 6],
    ];
    // Maximise accuracy, minimise latency: [0.7, 6] is beaten by [0.8, 5].
    expect(paretoFront(points, ["maximize", "minimize"]).sort()).toEqual([0, 1, 2]);
    // Both maximised: only the most accurate and slowest survives.
    expect(paretoFront(points, ["maximize", "maximize"])).toEqual([2]);
  });

  it("shapes finished trials for the scatter with the front drawn last", () => {
    const trials = [
      trial(0, "finished", [1, 5]),
      trial(1, "finished", [3, 4]),
      trial(2, "finished", [2, 3]),
      trial(3, "failed", null),
      trial(4, "finished", [4, null]),
    ];
    const d = paretoData(trials, [loss, { ...loss, name: "latency" }]);
    expect(d.trials.map((t) => t.number)).toEqual([1, 0, 2]);
    expect(d.onFront).toEqual([false, true, true]);
    expect(d.x).toEqual([3, 1, 2]);
    expect(d.y).toEqual([4, 5, 3]);
  });
});

describe("parameters", () => {
  const config = {
    method: "bayes",
    parameters: {
      lr: { distribution: "log_uniform_values", min: 1e-4, max: 0.1 },
      x: { min: -1.0, max: 1.5 },
      layers: { min: 1, max: 4 },
      optimizer: { values: ["adam", "sgd"] },
      seed: { value: 3 },
      model: { parameters: { width: { distribution: "q_log_uniform_values", min: 8, max: 256, q: 8 }, act: { value: "relu" } } },
    },
  };

  it("reads each searched parameter, its distribution and whether it is log-distributed", () => {
    expect(paramsOf(config)).toEqual([
      { name: "lr", distribution: "log_uniform_values", log: true },
      { name: "x", distribution: "uniform", log: false },
      { name: "layers", distribution: "int_uniform", log: false },
      { name: "optimizer", distribution: "categorical", log: false },
      { name: "model.width", distribution: "q_log_uniform_values", log: true },
    ]);
    expect(paramsOf({})).toEqual([]);
  });

  it("adds parameters only the trials know, when they vary", () => {
    const trials = [trial(0, "finished", [1], { a: 1, b: "k" }), trial(1, "finished", [2], { a: 2, b: "k" })];
    expect(plottedParams({ parameters: {} }, trials).map((p) => p.name)).toEqual(["a"]);
  });

  it("offers only numeric parameters for contours", () => {
    const params = paramsOf(config);
    const trials = [trial(0, "finished", [1], { lr: 0.01, x: 0.5, layers: 2, optimizer: "adam", "model.width": 64 })];
    expect(numericParams(params, trials).map((p) => p.name)).toEqual(["lr", "x", "layers", "model.width"]);
    const widths = [{ name: "width", distribution: "categorical", log: false }];
    expect(numericParams(widths, [trial(0, "finished", [1], { width: 16 }), trial(1, "queued", null, { width: 32 })])).toEqual(widths);
    expect(numericParams(widths, [trial(0, "queued", null, {})])).toEqual([]);
  });

  it("slices the metric by each parameter over finished trials", () => {
    const params = paramsOf(config).slice(0, 2);
    const trials = [
      trial(0, "finished", [0.4], { lr: 0.01, x: 0.5 }),
      trial(1, "pruned", [0.1], { lr: 0.02, x: 0.1 }),
      trial(2, "finished", [0.2], { lr: 0.001 }),
    ];
    const [lr, x] = slicesOf(params, trials);
    expect(lr.x).toEqual([0.01, 0.001]);
    expect(lr.y).toEqual([0.4, 0.2]);
    expect(x.x).toEqual([0.5]);
    expect(x.trials.map((t) => t.number)).toEqual([0]);
  });
});

describe("axes and grids", () => {
  it("places values linearly or on log10", () => {
    expect(axisPosition(5, 0, 10, false)).toBeCloseTo(0.5);
    expect(axisPosition(0.01, 0.001, 0.1, true)).toBeCloseTo(0.5);
    expect(axisPosition(3, 3, 3, false)).toBe(0.5);
    expect(axisTicks(0, 1, false)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const log = axisTicks(1e-4, 1, true);
    expect(log[0]).toBeCloseTo(1e-4);
    expect(log[2]).toBeCloseTo(1e-2);
  });

  it("finds a grid's range, skipping cells outside the hull", () => {
    expect(gridRange([[null, 2], [0.5, null], [3, 1]])).toEqual([0.5, 3]);
    expect(gridRange([[null]])).toBeNull();
  });
});

describe("links and summaries", () => {
  it("opens the runs table filtered on the sweep's tag", () => {
    const path = sweepRunsPath("my project", "ab12");
    expect(path.startsWith("/projects/my%20project?")).toBe(true);
    expect(parseView(path.slice(path.indexOf("?"))).filter).toBe('tag.headway.sweep = "ab12"');
  });

  it("routes the sweep pages", () => {
    expect(parseRoute(sweepsPath("p"))).toEqual({ page: "sweeps", project: "p" });
    expect(parseRoute(sweepPath("my p", "ab12"))).toEqual({ page: "sweep", project: "my p", id: "ab12" });
    expect(parseRoute("/projects/p/sweeps/a/b")).toMatchObject({ page: "missing" });
  });

  it("describes the best result", () => {
    const best = [trial(4, "finished", [0.123456])];
    expect(bestText({ best, metrics: [loss] })).toBe("loss 0.12346");
    expect(bestText({ best: [], metrics: [loss] })).toBe("");
    expect(bestText({ best: [...best, trial(5, "finished", [0.2])], metrics: [loss, acc] })).toBe("2 on the Pareto front");
  });

  it("polls while trials may still change, and refetches trials only when counts moved", () => {
    const base = { state: "running", counts: { finished: 2 }, total: 2 } as Pick<Sweep, "state" | "counts" | "total">;
    expect(isLive(base)).toBe(true);
    expect(isLive({ ...base, state: "paused" })).toBe(true);
    expect(isLive({ ...base, state: "cancelled" })).toBe(false);
    expect(isLive({ ...base, state: "finished", counts: { finished: 2, running: 1 } })).toBe(true);
    expect(trialsSignature({ total: 2, counts: { pruned: 1, finished: 1 } })).toBe(trialsSignature({ total: 2, counts: { finished: 1, pruned: 1 } }));
    expect(trialsSignature({ total: 3, counts: { finished: 2, running: 1 } })).not.toBe(trialsSignature({ total: 3, counts: { finished: 3 } }));
  });
});
