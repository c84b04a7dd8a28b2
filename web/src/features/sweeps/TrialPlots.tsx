// Plots drawn in the browser from the trials, on the shared canvas charts: parallel
// coordinates, one slice scatter per parameter, and the Pareto front of two metrics.
import { useMemo } from "preact/hooks";
import type { SweepMetric, Trial } from "../../api/client";
import { ParallelCoordinates } from "../../charts/ParallelCoordinates";
import type { PlotRun } from "../../charts/PlotPoint";
import { Scatter } from "../../charts/Scatter";
import { gradient } from "../../charts/scales";
import { paretoData, slicesOf, valueOf, type ParamInfo } from "./transforms";

export const FRONT_COLOR = "#e8590c";
const OTHER_COLOR = "#98a2b3";

/** A trial as the canvas charts see it (its id is its number). */
export function plotTrial(t: Trial, color: string): PlotRun {
  return { id: String(t.number), name: `trial ${t.number} (${t.state})`, color };
}

export function ParallelPanel(props: { trials: Trial[]; params: ParamInfo[]; metric: SweepMetric; onOpen: (trial: number) => void }) {
  const runs = useMemo(() => props.trials.map((t) => plotTrial(t, "")), [props.trials]);
  const columns = useMemo(
    () => [
      ...props.params.map((p) => ({ key: p.name, values: props.trials.map((t) => t.params[p.name] ?? null) })),
      { key: props.metric.name, values: props.trials.map((t) => (t.state === "finished" ? valueOf(t, 0) : null)) },
    ],
    [props.trials, props.params, props.metric.name],
  );
  if (!props.params.length) return <p class="muted">No parameter varies between the trials.</p>;
  return <ParallelCoordinates runs={runs} columns={columns} onOpen={(r) => props.onOpen(Number(r.id))} />;
}

export function SlicePanel(props: { trials: Trial[]; params: ParamInfo[]; metric: SweepMetric; onOpen: (trial: number) => void }) {
  const slices = useMemo(() => slicesOf(props.params, props.trials), [props.trials, props.params]);
  const last = Math.max(1, ...props.trials.map((t) => t.number));
  if (!slices.length) return <p class="muted">No parameter varies between the trials.</p>;
  return (
    <>
      <div class="sw-legend-line muted">
        Dot colour: when the trial ran, from <span class="sw-swatch" style={{ background: gradient(0) }} /> first to <span class="sw-swatch" style={{ background: gradient(1) }} /> latest.
      </div>
      <div class="sw-slices">
        {slices.map((s) => (
          <figure class="sw-slice" key={s.param.name} aria-label={`Slice of ${props.metric.name} by ${s.param.name}`}>
            <figcaption>
              {s.param.name}
              {s.param.log ? <span class="muted"> (log-distributed)</span> : null}
            </figcaption>
            {s.trials.length ? (
              <Scatter
                runs={s.trials.map((t) => plotTrial(t, gradient(t.number / last)))}
                x={{ key: s.param.name, values: s.x }}
                y={{ key: props.metric.name, values: s.y }}
                height={210}
                onOpen={(r) => props.onOpen(Number(r.id))}
              />
            ) : (
              <p class="muted">No finished trial yet.</p>
            )}
          </figure>
        ))}
      </div>
    </>
  );
}

export function ParetoPanel(props: { trials: Trial[]; metrics: SweepMetric[]; onOpen: (trial: number) => void }) {
  const data = useMemo(() => paretoData(props.trials, props.metrics), [props.trials, props.metrics]);
  const runs = useMemo(() => data.trials.map((t, i) => plotTrial(t, data.onFront[i] ? FRONT_COLOR : OTHER_COLOR)), [data]);
  const [a, b] = props.metrics;
  const front = data.onFront.filter(Boolean).length;
  if (!data.trials.length) return <p class="muted">No trial has finished with both {a.name} and {b.name} yet.</p>;
  return (
    <div aria-label={`Pareto front of ${a.name} and ${b.name}`} role="group">
      <div class="sw-legend-line muted">
        <span class="sw-swatch" style={{ background: FRONT_COLOR }} /> on the front ({front}) <span class="sw-swatch" style={{ background: OTHER_COLOR }} /> another trial is as
        good on both goals and better on one ({data.trials.length - front}) · {a.goal} {a.name}, {b.goal} {b.name}
        {props.metrics.length > 2 ? ` (the front here counts only these two of the ${props.metrics.length} goals)` : ""}
      </div>
      <Scatter
        runs={runs}
        x={{ key: a.name, values: data.x }}
        y={{ key: b.name, values: data.y }}
        height={320}
        onOpen={(r) => props.onOpen(Number(r.id))}
      />
    </div>
  );
}
