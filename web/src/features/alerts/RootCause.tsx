// "Root cause": what changed around the moment an alert's series changed, ranked by how
// strongly each candidate goes with the change (GET /alerts/{id}/root-cause). Kept apart
// from the facts above it: these are leads to check, not certainties.
import { useState } from "preact/hooks";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { modelPath, monitorPath } from "../../lib/route";
import { Help } from "../monitoring/bits";
import { changeText } from "../monitoring/explanations";
import { term } from "../monitoring/glossary";
import { num, pct } from "../monitoring/transforms";
import type { Alert, RootCause } from "./api";
import { causeHref } from "./inbox";
import { shortDate } from "./preview";

/** Candidates listed before "Show all". */
const SHOWN_CAUSES = 8;
const KIND_WORDS: Record<string, string> = { feature: "feature drift", segment: "segment", importance: "importance shift", event: "change" };
const TIMELINE_WORDS: Record<string, string> = {
  version_created: "model version",
  alias_set: "promotion",
  model_serving: "began scoring",
  dataset_version: "dataset version",
  monitor_config: "monitor config",
};

function Bar(props: { share: number; tone?: "bad" | "accent" }) {
  const width = `${Math.round(Math.max(0, Math.min(1, props.share)) * 100)}%`;
  return (
    <span class="al-bar" aria-hidden="true">
      <span class={`al-bar-fill ${props.tone ?? "accent"}`} style={{ width }} />
    </span>
  );
}

export function RootCauseSection(props: { alert: Alert; rootCause: RootCause | null | "loading"; error: string | null }) {
  const { alert, rootCause } = props;
  const [allCauses, setAllCauses] = useState(false);
  if (rootCause === null && !props.error) return null; // the server has no root-cause analysis
  const monitor = typeof alert.source?.monitor === "string" ? alert.source.monitor : null;
  const href = (link: Record<string, unknown>, kind?: string) => {
    const mon = typeof link.monitor === "string" ? link.monitor : monitor;
    // An importance shift is shown on the monitor's Explanations tab; a version that began
    // scoring, on the registry's page of that version.
    if (link.tab === "explanations" && mon) return monitorPath(alert.project, mon, { tab: "explanations" });
    if (kind === "model_serving" && typeof link.model === "string" && typeof link.version === "number")
      return modelPath(link.model, { tab: "compare", versions: String(link.version) });
    return causeHref(link, alert.project, monitor);
  };
  const linked = (text: string, link: Record<string, unknown>, kind?: string) => {
    const to = href(link, kind);
    return to ? <Link href={to}>{text}</Link> : <span>{text}</span>;
  };
  // Segments that got better are not leads.
  const worse = rootCause && rootCause !== "loading" ? rootCause.segments.filter((s) => s.drop > 0) : [];
  const importance = rootCause && rootCause !== "loading" ? (rootCause.importance ?? []) : [];
  return (
    <section class="section-box al-root" aria-label="Root cause">
      <h2>Root cause</h2>
      <p class="al-hint muted">
        Leads to check first: what changed when this alert's series changed, ranked by how strongly each goes with the change. A high score is a
        coincidence worth looking at, not proof.
      </p>
      {props.error ? <Message kind="error" title="The root-cause analysis could not be loaded">{props.error}</Message> : null}
      {rootCause === "loading" ? <p class="loading">Looking for causes…</p> : null}
      {rootCause && rootCause !== "loading" ? (
        <>
          {rootCause.change_at ? (
            <p>
              The series changed in the window of <strong>{shortDate(rootCause.change_at)}</strong> (the first window of the firing streak).
            </p>
          ) : null}
          {rootCause.causes.length === 0 && rootCause.drifted.length === 0 && rootCause.segments.length === 0 && rootCause.timeline.length === 0 && importance.length === 0 ? (
            <p class="muted">
              No candidate explanations: {monitor ? "no feature, segment or change stands out around this alert." : "the analysis looks at monitors only; this alert is about a run or was raised from code."}
            </p>
          ) : null}
          {rootCause.causes.length ? (
            <>
              <h3 class="mon-subhead">Candidates, most likely first</h3>
              <ol class="al-causes" aria-label="Candidate causes">
                {rootCause.causes.slice(0, allCauses ? undefined : SHOWN_CAUSES).map((c, i) => (
                  <li key={`${c.kind}-${c.subject}-${i}`}>
                    <span class="al-cause-score" title={`score ${c.score.toFixed(2)} of 1`}>
                      <Bar share={c.score} tone={i === 0 ? "bad" : "accent"} />
                      <span class="num">{c.score.toFixed(2)}</span>
                    </span>
                    <span class="type-badge">{KIND_WORDS[c.kind] ?? c.kind}</span>
                    <span class="al-cause-text">
                      <strong>{linked(c.subject, c.link)}</strong> <span class="muted">— {c.detail}</span>
                    </span>
                  </li>
                ))}
              </ol>
              {rootCause.causes.length > SHOWN_CAUSES ? (
                <button type="button" class="linkish" onClick={() => setAllCauses(!allCauses)}>
                  {allCauses ? "Show the first " + SHOWN_CAUSES : `Show all ${rootCause.causes.length} candidates`}
                </button>
              ) : null}
            </>
          ) : null}
          <div class="al-two">
            {rootCause.drifted.length ? (
              <div>
                <h3 class="mon-subhead">Most drifted features when it fired</h3>
                <table class="mon-table" aria-label="Most drifted features">
                  <thead>
                    <tr>
                      <th>Feature</th>
                      <th>Method</th>
                      <th>How far past its threshold</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rootCause.drifted.map((d) => (
                      <tr key={d.feature}>
                        <td>{linked(d.feature, { monitor, feature: d.feature })}</td>
                        <td>{term(d.method).name}</td>
                        <td>
                          <Bar share={Math.min(1, d.ratio / 3)} tone={d.ratio >= 1 ? "bad" : "accent"} /> <span class="num-left">{num(d.ratio, 2)}×</span>
                          <span class="muted al-small">
                            {" "}
                            ({d.p_value !== null ? `p = ${num(d.p_value)}` : `${num(d.value)} vs ${num(d.threshold)}`})
                          </span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {worse.length ? (
              <div>
                <h3 class="mon-subhead">Segments that got worse</h3>
                <table class="mon-table" aria-label="Segments that got worse">
                  <thead>
                    <tr>
                      <th>Segment</th>
                      <th>Metric</th>
                      <th class="num">Before</th>
                      <th class="num">When it fired</th>
                      <th class="num">Worse by</th>
                    </tr>
                  </thead>
                  <tbody>
                    {worse.map((s) => (
                      <tr key={`${s.subject}=${s.group}`}>
                        <td>{linked(`${s.subject} = ${s.group}`, { segment: s.subject, group: s.group, metric: s.metric })}</td>
                        <td>{term(s.metric).name}</td>
                        <td class="num">{num(s.reference)}</td>
                        <td class="num">{num(s.value)}</td>
                        <td class={`num${s.drop > 0 ? " al-worse" : ""}`}>{num(s.drop)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {importance.length ? (
              <div>
                <h3 class="mon-subhead">
                  Importance shift{" "}
                  <Help
                    text="How much of the model's decisions rested on each input (its share of the SHAP importance) before the change and from it on, largest change first. A large change means the model began deciding for other reasons: an input changed meaning, or another model version took over."
                    wide
                  />
                </h3>
                <table class="mon-table" aria-label="Importance shift">
                  <thead>
                    <tr>
                      <th>Feature</th>
                      <th class="num">Share before</th>
                      <th class="num">Share after</th>
                      <th class="num">Change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {importance.map((i) => (
                      <tr key={i.feature}>
                        <td>{i.feature}</td>
                        <td class="num">{pct(i.before)}</td>
                        <td class="num">{pct(i.after)}</td>
                        <td class="num">{changeText(i.change)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {monitor ? (
                  <p class="al-small">
                    <Link href={monitorPath(alert.project, monitor, { tab: "explanations" })}>What drives the scores, window by window →</Link>
                  </p>
                ) : null}
              </div>
            ) : null}
          </div>
          {rootCause.timeline.length ? (
            <>
              <h3 class="mon-subhead">What changed around it</h3>
              <ol class="al-timeline" aria-label="Changes around the alert">
                {rootCause.timeline.map((t, i) => (
                  <li key={`${t.at}-${i}`} class={rootCause.change_at && Date.parse(t.at) <= Date.parse(rootCause.change_at) ? "before" : "after"}>
                    <span class="al-event-time" title={formatTime(t.at)}>
                      {formatTime(t.at)}
                    </span>
                    <span class="type-badge">{TIMELINE_WORDS[t.kind] ?? t.kind.replace(/_/g, " ")}</span> {linked(t.text, t.link, t.kind)}
                  </li>
                ))}
              </ol>
            </>
          ) : null}
          <p class="muted al-small al-method">
            <strong>How the scores are computed.</strong> {rootCause.method}
          </p>
        </>
      ) : null}
    </section>
  );
}
