// Fairness: for each sensitive attribute, the gaps between its groups over time (with their
// limits), each group's flagging and error rates, and whether a gap is new (a regression)
// or was already there in the reference data (a standing gap).
import { useMemo } from "preact/hooks";
import { Message } from "../../components/Message";
import { PALETTE } from "../../lib/colors";
import type { MonitorResult } from "./api";
import { Help, TermName, VerdictBadge } from "./bits";
import { dots } from "./DriftTab";
import { FAIRNESS_METRICS, term } from "./glossary";
import type { TabProps } from "./MonitorPage";
import { TimeChart, type TimeLine } from "./TimeChart";
import { columnOf, fewGroups, formatWindow, groupsOf, num, pct, seriesOf, verdictOf } from "./transforms";
import { useResults } from "./useResults";

const DISPARITIES = ["equal_opportunity_difference", "equalized_odds_difference", "demographic_parity_ratio", "demographic_parity_difference"];
const GROUP_METRICS = ["tpr", "fnr", "fpr", "selection_rate"];

export function FairnessTab(props: TabProps) {
  const { monitor, view } = props;
  const attributes = monitor.spec.sensitive;
  const attribute = view.attribute && attributes.includes(view.attribute) ? view.attribute : (attributes[0] ?? null);
  const loaded = useResults(monitor.spec.project, monitor.spec.name, attribute ? { kinds: ["fairness"], subject: attribute } : null, props.version);

  if (!attribute)
    return (
      <Message kind="info" title="Fairness is not checked">
        This monitor names no sensitive attributes. Give it some (for example sensitive=["gender", "disability"]) to compare how the model treats each group.
      </Message>
    );
  if (!monitor.spec.label)
    return (
      <Message kind="info" title="Fairness needs outcomes">
        Error rates per group need to know what really happened: name the outcome column (label) and log outcomes with monitor.log_labels(ids, outcomes).
      </Message>
    );
  return (
    <div class="mon-fairness">
      <nav class="mon-pills-nav" aria-label="Sensitive attribute">
        <span class="muted">Groups by</span>
        {attributes.map((a) => (
          <button type="button" key={a} class={`mon-pill-button${a === attribute ? " current" : ""}`} aria-pressed={a === attribute} onClick={() => props.go({ attribute: a }, true)}>
            {a}
          </button>
        ))}
      </nav>
      <details class="mon-explain" open>
        <summary>How to read this</summary>
        <p>
          The model should be as useful for every group of students. Each window, its <strong>gaps between groups</strong> are measured with a 95% interval. A gap past its
          limit is a <span class="mon-verdict verdict-alert">regression</span> when the whole interval is past the limit <em>and</em> the gap is worse than on the reference
          data: something changed and needs attention. A gap past the limit that was already there on the reference data is a{" "}
          <span class="mon-verdict verdict-standing">standing gap</span>: not new, but worth knowing about when using the model's flags.
        </p>
      </details>
      {loaded.error ? <Message kind="error" title="Fairness results could not be loaded">{loaded.error.message}</Message> : null}
      {!loaded.data && !loaded.error ? <p class="loading">Loading fairness results…</p> : null}
      {loaded.data && loaded.data.length === 0 ? (
        <Message kind="info" title="No fairness results yet">
          Fairness is measured on predictions whose outcome is known ({monitor.spec.min_rows} per group at least). Log outcomes and compute the monitor.
        </Message>
      ) : null}
      {loaded.data && loaded.data.length ? <FairnessView {...props} attribute={attribute} results={loaded.data} /> : null}
    </div>
  );
}

function FairnessView(props: TabProps & { attribute: string; results: MonitorResult[] }) {
  const { axis, results, attribute, view } = props;
  const groups = useMemo(() => groupsOf(results, attribute, "fairness"), [results, attribute]);
  const overall = useMemo(() => results.filter((r) => r.group === "*"), [results]);
  // The latest window with a measured gap, else the latest with any (too-little-data) result.
  const last = useMemo(() => {
    const latest = (rs: MonitorResult[]) => rs.reduce((m, r) => Math.max(m, columnOf(axis, r.window_start) ?? -1), -1);
    const measured = latest(overall.filter((r) => r.value !== null));
    return measured >= 0 ? measured : latest(overall);
  }, [overall, axis]);
  const chosen = view.window ? columnOf(axis, view.window) ?? last : last;
  const select = (i: number) => props.go({ window: new Date(axis.starts[i]).toISOString() }, true);
  const inWindow = overall.filter((r) => chosen >= 0 && Date.parse(r.window_start) === axis.starts[chosen]);
  const insufficient = inWindow.find((r) => Array.isArray(r.detail?.insufficient_groups) && (r.detail.insufficient_groups as unknown[]).length);
  const disparities = DISPARITIES.filter((m) => overall.some((r) => r.metric === m));
  const few = useMemo(() => fewGroups(overall), [overall]);

  return (
    <>
      {chosen >= 0 ? (
        <section class="section-box" aria-label="Gaps in the window">
          <div class="mon-box-head">
            <h2>
              Gaps across {attribute} in {formatWindow(axis.starts[chosen], axis.ends[chosen])}
            </h2>
            <span class="muted">click a window on a chart to change</span>
          </div>
          {inWindow.length === 0 ? <p class="muted">No fairness result for this window: its outcomes are not known yet.</p> : null}
          <table class="mon-table" aria-label={`Fairness gaps across ${attribute}`}>
            <thead>
              <tr>
                <th>Gap</th>
                <th class="num">This window</th>
                <th class="num">95% interval</th>
                <th class="num">Limit</th>
                <th class="num">Reference data</th>
                <th>Verdict</th>
                <th>Meaning</th>
              </tr>
            </thead>
            <tbody>
              {disparities.map((m) => {
                const r = inWindow.find((x) => x.metric === m);
                if (!r) return null;
                // A gap that could not be computed is "too little data", whatever its verdict.
                const v = r.value === null ? "insufficient_data" : verdictOf(r);
                const ref = typeof r.detail?.reference === "number" ? (r.detail.reference as number) : null;
                return (
                  <tr key={m} class={`row-${v}`}>
                    <td>
                      <TermName metric={m} />
                    </td>
                    <td class="num">{num(r.value)}</td>
                    <td class="num muted">{r.lower !== null && r.upper !== null ? `${num(r.lower)} – ${num(r.upper)}` : ""}</td>
                    <td class="num">{r.threshold !== null ? (m === "demographic_parity_ratio" ? `≥ ${num(r.threshold)}` : `≤ ${num(r.threshold)}`) : "–"}</td>
                    <td class="num muted">{ref !== null ? num(ref) : ""}</td>
                    <td>
                      <VerdictBadge verdict={v} label={v === "alert" ? "Regression" : undefined} />
                    </td>
                    <td class="mon-meaning">{meaning(m, r, v, ref)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {insufficient ? (
            <p class="muted mon-small">
              Left out of the gaps for too few students with a known outcome in this window: {(insufficient.detail.insufficient_groups as unknown[]).map(String).join(", ")}.{" "}
              {Array.isArray(insufficient.detail.messages) ? (insufficient.detail.messages as unknown[]).map(String).join("; ") : ""}
            </p>
          ) : null}
        </section>
      ) : null}
      <h2 class="mon-section-title">
        Gaps over time <Help text="Each chart is one gap between the groups, with its 95% interval shaded and its limit dashed. Red dots are regressions, amber dots standing gaps." wide />
      </h2>
      <p class="muted mon-small">A break in a line is a window in which a group had too few students with a known outcome to be compared.</p>
      <div class="mon-grid-2">
        {disparities.map((m) => (
          <DisparityChart key={m} metric={m} results={overall} axis={axis} chosen={chosen} select={select} />
        ))}
      </div>
      <h2 class="mon-section-title">
        Each group over time <Help text="The rates behind the gaps, one line per group. Lines far apart mean the model works differently for those groups." wide />
      </h2>
      <div class="mon-legend">
        {groups.map((g, i) => (
          <span key={g} title={few.has(g) ? "Usually too few students with a known outcome to compare: its line jumps around by chance." : undefined}>
            <span class="run-dot" style={{ background: PALETTE[i % PALETTE.length] }} /> {g}
            {few.has(g) ? <span class="muted"> (dashed: too few students to compare)</span> : null}
          </span>
        ))}
      </div>
      <div class="mon-grid-2">
        {GROUP_METRICS.map((m) => (
          <GroupChart key={m} metric={m} results={results} groups={groups} few={few} axis={axis} chosen={chosen} select={select} />
        ))}
      </div>
    </>
  );
}

function meaning(metric: string, r: MonitorResult, v: string, ref: number | null): string {
  if (v === "insufficient_data") return "Too few students with a known outcome in some groups to compare them.";
  if (v === "alert") return `Past the limit, surely (the whole interval is), and worse than on the reference data${ref !== null ? ` (${num(ref)})` : ""}: a new gap.`;
  if (v === "standing") return `Past the limit, but no worse than on the reference data${ref !== null ? ` (${num(ref)})` : ""}, or within noise of the limit: a standing gap.`;
  if (r.threshold === null) return "No limit is set for this gap; it is shown for context.";
  return metric === "demographic_parity_ratio" ? "Groups are flagged at similar rates." : "Within the limit.";
}

function DisparityChart(props: { metric: string; results: MonitorResult[]; axis: TabProps["axis"]; chosen: number; select: (i: number) => void }) {
  const { metric, results, axis } = props;
  const s = useMemo(() => seriesOf(results, axis, (r) => r.metric === metric && r.group === "*"), [results, axis, metric]);
  const lines = useMemo<TimeLine[]>(() => [{ label: term(metric).name, color: "#7048e8", values: s.value, band: { lower: s.lower, upper: s.upper }, dots: dots(s) }], [s, metric]);
  const limit = s.threshold.find((t) => t !== null);
  const ref = s.results.find((r) => typeof r?.detail?.reference === "number")?.detail.reference as number | undefined;
  const thresholds = useMemo(() => {
    const out: { value: number; label: string; color?: string }[] = [];
    if (limit !== undefined && limit !== null) out.push({ value: limit, label: `limit ${num(limit)}` });
    if (ref !== undefined) out.push({ value: ref, label: `reference ${num(ref)}`, color: "#5d6677" });
    return out;
  }, [limit, ref]);
  return (
    <section class="section-box mon-chart-box" aria-label={`${term(metric).name} over time`}>
      <div class="mon-box-head">
        <h3>
          <TermName metric={metric} />
        </h3>
        <Help text={FAIRNESS_METRICS[metric]?.help ?? ""} wide />
      </div>
      {s.value.some((v) => v !== null) ? (
        <TimeChart axis={axis} lines={lines} thresholds={thresholds} selected={props.chosen >= 0 ? props.chosen : null} onSelect={props.select} label={`${term(metric).name} over time`} height={190} />
      ) : (
        <p class="muted mon-empty-chart">
          Not measured in any window: at least one group never had enough students with a known outcome. More predictions per window (a longer window) would let it be measured.
        </p>
      )}
    </section>
  );
}

function GroupChart(props: { metric: string; results: MonitorResult[]; groups: string[]; few: Set<string>; axis: TabProps["axis"]; chosen: number; select: (i: number) => void }) {
  const { metric, results, groups, axis } = props;
  const lines = useMemo<TimeLine[]>(
    () =>
      groups.map((g, i) => {
        const s = seriesOf(results, axis, (r) => r.metric === metric && r.group === g);
        const few = props.few.has(g);
        return { label: few ? `${g} (few students)` : g, color: PALETTE[i % PALETTE.length], values: s.value, format: pct, dash: few ? [4, 4] : undefined, width: few ? 1.25 : undefined };
      }),
    [results, groups, axis, metric, props.few],
  );
  return (
    <section class="section-box mon-chart-box" aria-label={`${term(metric).name} of each group`}>
      <div class="mon-box-head">
        <h3>
          <TermName metric={metric} />
        </h3>
        <Help text={FAIRNESS_METRICS[metric]?.help ?? ""} wide />
      </div>
      <TimeChart axis={axis} lines={lines} selected={props.chosen >= 0 ? props.chosen : null} onSelect={props.select} format={pct} yRange={[0, null]} label={`${term(metric).name} of each group over time`} height={190} />
    </section>
  );
}
