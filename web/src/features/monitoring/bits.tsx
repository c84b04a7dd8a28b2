// Small pieces every monitoring view uses: verdict badges and explanations on hover/focus.
import type { ComponentChildren } from "preact";
import { useMemo } from "preact/hooks";
import { term, verdictTerm } from "./glossary";

let nextId = 0;

/** A unique id for the life of the component (tooltips point at their text with it). */
function useTipId(): string {
  return useMemo(() => `mon-tip-${++nextId}`, []);
}

/** A "?" that explains something on hover or keyboard focus. The explanation is the
 * element's accessible description, not part of the name of the heading it sits in. */
export function Help(props: { text: string; wide?: boolean }) {
  const id = useTipId();
  if (!props.text) return null;
  return (
    <span class={`mon-help${props.wide ? " wide" : ""}`} tabIndex={0} aria-describedby={id}>
      ?
      <span class="mon-tip" role="tooltip" id={id} aria-hidden="true">
        {props.text}
      </span>
    </span>
  );
}

/** A method or metric's plain name, explained on hover. */
export function TermName(props: { metric: string; children?: ComponentChildren }) {
  const t = term(props.metric);
  const id = useTipId();
  if (!t.help) return <span>{props.children ?? t.name}</span>;
  return (
    <span class="mon-term" tabIndex={0} aria-describedby={id}>
      {props.children ?? t.name}
      <span class="mon-tip" role="tooltip" id={id} aria-hidden="true">
        {t.help}
      </span>
    </span>
  );
}

export function VerdictBadge(props: { verdict: string; label?: string }) {
  const t = verdictTerm(props.verdict);
  return (
    <span class={`mon-verdict verdict-${props.verdict}`} title={t.help}>
      {props.label ?? t.name}
    </span>
  );
}

/** A monitor's or window's overall state, in the words of someone checking on it. */
export function HealthBadge(props: { verdict: string }) {
  const label = props.verdict === "ok" ? "Healthy" : props.verdict === "alert" ? "Needs attention" : undefined;
  return <VerdictBadge verdict={props.verdict} label={label} />;
}

/** A count with its meaning, drawn as a pill only when it is not zero. */
export function CountPill(props: { n: number; what: string; title: string }) {
  if (!props.n) return <span class="muted" title={props.title}>–</span>;
  return (
    <span class="mon-count" title={props.title}>
      {props.n} {props.what}
    </span>
  );
}
