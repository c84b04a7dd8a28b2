// A sweep's trials as one stacked bar (finished, pruned, failed, running, queued,
// cancelled), with the numbers beside it: the bar for the eye, the numbers to read.
import type { Sweep } from "../../api/client";
import { progressOf } from "./transforms";

export function ProgressBar(props: { sweep: Pick<Sweep, "counts" | "total" | "run_cap" | "space_size">; compact?: boolean }) {
  const p = progressOf(props.sweep);
  const shown = p.segments.filter((s) => s.n > 0 || (!props.compact && s.state !== "cancelled"));
  const of = p.planned !== null ? `${p.total.toLocaleString("en")} of ${p.planned.toLocaleString("en")} trials` : `${p.total.toLocaleString("en")} trials (no limit set)`;
  const summary = `${of}: ${shown.map((s) => `${s.n.toLocaleString("en")} ${s.label}`).join(", ")}`;
  return (
    <div class={`sw-progress${props.compact ? " compact" : ""}`} role="group" aria-label="Progress" title={props.compact ? summary : undefined}>
      <div class="sw-bar" aria-hidden="true">
        {p.segments.map((s) => (s.n > 0 ? <span key={s.state} class="sw-bar-part" style={{ width: `${s.share * 100}%`, background: s.color }} /> : null))}
      </div>
      {props.compact ? (
        <span class="sw-progress-of">{p.planned !== null ? `${p.total}/${p.planned}` : p.total}</span>
      ) : (
        <>
          <div class="sw-progress-of">{of}</div>
          <ul class="sw-legend">
            {shown.map((s) => (
              <li key={s.state}>
                <span class="sw-swatch" style={{ background: s.color }} />
                <strong class="num">{s.n.toLocaleString("en")}</strong> {s.label}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** A sweep's state as a coloured pill. */
export function SweepState(props: { state: string }) {
  return <span class={`state sw-state sw-state-${props.state}`}>{props.state}</span>;
}
