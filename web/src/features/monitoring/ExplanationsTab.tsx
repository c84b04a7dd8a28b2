// Explanations: which inputs drive the model's scores, window by window (SHAP importance
// shares and how far they moved from the reference data), the highest-scored predictions of
// a window, and "why was this prediction made?" for any logged id.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime } from "../../components/format";
import { modelPath } from "../../lib/route";
import { getExplanation, type Explanation, type MonitorResult } from "./api";
import { Help } from "./bits";
import { ContributionChart } from "./ContributionChart";
import {
  changeText,
  contributionText,
  importanceSeries,
  lastExplained,
  methodHelp,
  methodWords,
  outputRisk,
  outputWords,
  readWindow,
  riskText,
  signed,
  valueText,
  versionChanges,
  versionsWords,
  type WindowExplanation,
} from "./explanations";
import { EXPLANATION_TERMS } from "./glossary";
import type { TabProps } from "./MonitorPage";
import { PredictionLookup } from "./PredictionLookup";
import { TimeChart, type TimeLine } from "./TimeChart";
import { columnOf, formatWindow, num, parseIds, parseModelRef, pct } from "./transforms";
import { useResults } from "./useResults";
import "./explanations.css";

const QUERY = { kinds: ["explanation", "volume"] as ("explanation" | "volume")[] };
/** Eight hues told apart at a glance (the run palette repeats orange and green early). */
const FEATURE_COLORS = ["#2f6fdf", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599", "#8f5a2b", "#868e96"];
const SHIFT_COLOR = "#7048e8";
const VERSION_COLOR = "#0c8599";
const WHY_ID = "mon-why";

export function ExplanationsTab(props: TabProps) {
  const { monitor } = props;
  const on = monitor.spec.explain_rows > 0;
  const loaded = useResults(monitor.spec.project, monitor.spec.name, on ? QUERY : null, props.version);
  const results = loaded.data;
  const explained = useMemo(() => (results ? results.some((r) => r.kind === "explanation") : false), [results]);

  if (!on)
    return (
      <div class="mon-explanations">
        <Message kind="info" title="Explanations are turned off for this monitor">
          To see which inputs drive the model's scores in each window, and why any prediction was made, ask the monitor to explain a sample of each window's predictions:
          add <code>explain_rows=1000</code> to <code>headway.Monitor(...)</code> (it explains up to that many predictions per window with SHAP). The monitor must name its
          registered model with <code>model="name@alias"</code> so the model can be loaded. Explanations then appear here at the next compute.
          {monitor.spec.model ? " Single predictions can already be explained below, one at a time." : ""}
        </Message>
        {monitor.spec.model ? <WhySection {...props} /> : null}
      </div>
    );
  return (
    <div class="mon-explanations">
      {loaded.error ? <Message kind="error" title="Explanations could not be loaded">{loaded.error.message}</Message> : null}
      {!results && !loaded.error ? <p class="loading">Loading explanations…</p> : null}
      {results && !explained ? (
        <Message kind="info" title="No window has been explained yet">
          {monitor.spec.model
            ? `This monitor explains up to ${monitor.spec.explain_rows.toLocaleString("en")} predictions per window when it computes. If windows are computed but none is explained, the model ${monitor.spec.model} could not be loaded: the server's log says why.`
            : 'This monitor names no model to explain: add model="name@alias" (its registered model) to headway.Monitor(...), then compute again.'}
        </Message>
      ) : null}
      {results && explained ? <ExplanationsView {...props} results={results} /> : null}
      {monitor.spec.model ? <WhySection {...props} /> : null}
    </div>
  );
}

function ExplanationsView(props: TabProps & { results: MonitorResult[] }) {
  const { axis, view, results, windows } = props;
  const series = useMemo(() => importanceSeries(results, axis, 8), [results, axis]);
  const last = useMemo(() => lastExplained(results, axis), [results, axis]);
  const picked = view.window ? columnOf(axis, view.window) : undefined;
  const chosen = picked !== undefined ? picked : last;
  const win = useMemo(() => (chosen >= 0 ? readWindow(results, axis.starts[chosen]) : null), [results, axis, chosen]);
  const select = (i: number) => props.go({ window: windows[i]?.start ?? new Date(axis.starts[i]).toISOString() }, true);
  const changes = useMemo(() => versionChanges(series.versions), [series]);
  const highlights = useMemo(() => changes.map((c) => ({ index: c.index, color: VERSION_COLOR, label: c.label })), [changes]);
  const lines = useMemo<TimeLine[]>(
    () => series.features.map((f, i) => ({ label: f, color: FEATURE_COLORS[i % FEATURE_COLORS.length], values: series.shares[i], format: pct })),
    [series],
  );
  const shiftLines = useMemo<TimeLine[]>(() => [{ label: "Importance shift", color: SHIFT_COLOR, values: series.shift, format: pct }], [series]);

  return (
    <>
      <details class="mon-explain" open>
        <summary>How to read this</summary>
        <p>
          For each window, the monitor takes a sample of the predictions and asks how much each input pushed each score up or down (its <strong>SHAP value</strong>).
          Averaged over the sample, these pushes say how much the model's decisions rest on each input: its <strong>importance share</strong>. Comparing the shares with
          the same on the reference data shows whether the model now decides for other reasons, for example because an input changed meaning or a new model version took
          over.
        </p>
        <p>
          Importance says what the model relies on, not what causes students to drop out: an input can matter to the model and still be measured wrongly.
        </p>
      </details>
      <section class="section-box" aria-label="Importance over time">
        <div class="mon-box-head">
          <h2>What drives the model's scores, window by window</h2>
          <Help text={EXPLANATION_TERMS.importance.help} wide />
        </div>
        <div class="mon-legend" role="list" aria-label="Inputs charted">
          {series.features.map((f, i) => (
            <span key={f} role="listitem">
              <span class="run-dot" style={{ background: FEATURE_COLORS[i % FEATURE_COLORS.length] }} /> {f}
            </span>
          ))}
          {changes.length ? (
            <span role="listitem">
              <span class="mon-swatch" style={{ background: `${VERSION_COLOR}33` }} /> a new model version began scoring
            </span>
          ) : null}
        </div>
        <TimeChart
          axis={axis}
          lines={lines}
          highlights={highlights}
          selected={chosen >= 0 ? chosen : null}
          onSelect={select}
          format={pct}
          yRange={[0, null]}
          height={260}
          label="Importance share of each input over time"
        />
        {series.others.length ? (
          <p class="muted mon-small">
            Not charted (smaller shares): {series.others.join(", ")}. The table below lists every input.
          </p>
        ) : null}
        <h3 class="mon-subhead">
          How far the model's reasons moved from the reference data <Help text={EXPLANATION_TERMS.importance_shift.help} wide />
        </h3>
        <TimeChart
          axis={axis}
          lines={shiftLines}
          highlights={highlights}
          selected={chosen >= 0 ? chosen : null}
          onSelect={select}
          format={pct}
          yRange={[0, null]}
          height={150}
          label="Importance shift over time"
        />
      </section>
      <div class="mon-two">
        {win ? <WindowPanel {...props} win={win} chosen={chosen} latest={chosen === last} /> : <NotExplained {...props} chosen={chosen} />}
        {win ? <TopRows {...props} win={win} /> : null}
      </div>
    </>
  );
}

function NotExplained(props: TabProps & { chosen: number }) {
  const { axis, chosen } = props;
  return (
    <section class="section-box" aria-label="Window explanation">
      <div class="mon-box-head">
        <h2>{chosen >= 0 ? formatWindow(axis.starts[chosen], axis.ends[chosen]) : "A window"}</h2>
        <button type="button" class="small" onClick={() => props.go({ window: null }, true)}>
          Back to the latest
        </button>
      </div>
      <p class="muted">This window was not explained: it had no predictions, or it was computed before explanations were turned on.</p>
    </section>
  );
}

function WindowPanel(props: TabProps & { results: MonitorResult[]; win: WindowExplanation; chosen: number; latest: boolean }) {
  const { axis, win, chosen, monitor, results } = props;
  const model = parseModelRef(monitor.spec.model);
  const scored = results.filter((r) => r.kind === "volume" && r.subject === "model_version" && Date.parse(r.window_start) === win.start);
  const total = results.find((r) => r.kind === "volume" && r.subject === "*" && Date.parse(r.window_start) === win.start)?.value ?? null;
  const maxShare = Math.max(0.01, ...win.features.map((f) => Math.max(f.share ?? 0, f.reference ?? 0)));
  return (
    <section class="section-box" aria-label="Window explanation">
      <div class="mon-box-head">
        <h2>
          {props.latest ? "Latest window" : "Window"}: {formatWindow(axis.starts[chosen], axis.ends[chosen])}
        </h2>
        {!props.latest ? (
          <button type="button" class="small" onClick={() => props.go({ window: null }, true)}>
            Back to the latest
          </button>
        ) : (
          <span class="muted">click a window on a chart to change</span>
        )}
      </div>
      <dl class="mon-facts">
        <dt>How</dt>
        <dd>
          {methodWords(win.method, win.outputSpace)} <Help text={methodHelp(win.method, win.outputSpace)} wide />
        </dd>
        <dt>Explained</dt>
        <dd>
          {win.rows !== null ? win.rows.toLocaleString("en") : "–"} predictions{total !== null ? ` of ${Math.round(total).toLocaleString("en")} in the window` : ""}
        </dd>
        <dt>Scored by</dt>
        <dd>
          {scored.length ? (
            scored
              .slice()
              .sort((a, b) => Number(a.group) - Number(b.group))
              .map((r, i) => (
                <span key={r.group}>
                  {i ? ", " : ""}
                  {model ? <Link href={modelPath(model.name, { tab: "compare", versions: r.group })}>{`${model.name} v${r.group}`}</Link> : `version ${r.group}`}
                  <span class="muted"> ({Math.round(r.value ?? 0).toLocaleString("en")} predictions)</span>
                </span>
              ))
          ) : (
            <span>{versionsWords(win.modelVersions)}</span>
          )}
        </dd>
        <dt>
          Shift <Help text={EXPLANATION_TERMS.importance_shift.help} wide />
        </dt>
        <dd>
          {win.shift !== null ? (
            <>
              <strong>{pct(win.shift)}</strong> of the importance moved between inputs compared with the reference data
            </>
          ) : (
            <span class="muted">no reference to compare with</span>
          )}
        </dd>
      </dl>
      <table class="mon-table expl-shares" aria-label="Importance share of each input">
        <thead>
          <tr>
            <th>Input</th>
            <th>Share in this window</th>
            <th class="num">On the reference</th>
            <th class="num">Change</th>
          </tr>
        </thead>
        <tbody>
          {win.features.map((f) => (
            <tr key={f.feature} data-feature={f.feature}>
              <td>{f.feature}</td>
              <td>
                <span class="expl-share" title={`this window ${pct(f.share)}, reference ${pct(f.reference)}`}>
                  <span class="expl-share-now" style={{ width: `${(100 * (f.share ?? 0)) / maxShare}%` }} />
                  {f.reference !== null ? <span class="expl-share-ref" style={{ left: `${(100 * f.reference) / maxShare}%` }} /> : null}
                </span>
                <span class="num-left">{pct(f.share)}</span>
              </td>
              <td class="num muted">{pct(f.reference)}</td>
              <td class={`num${f.change !== null && Math.abs(f.change) >= 0.05 ? " expl-big" : ""}`}>{changeText(f.change)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted mon-small">
        Largest change first. The bar is the share in this window; the thin mark, the share on the reference data. "pts" are percentage points.
      </p>
    </section>
  );
}

function TopRows(props: TabProps & { win: WindowExplanation }) {
  const { win, view } = props;
  const binary = props.monitor.spec.task === "binary";
  const open = (id: string) => {
    props.go({ id, version: null });
    document.getElementById(WHY_ID)?.scrollIntoView({ block: "start" });
  };
  return (
    <section class="section-box" aria-label="Highest-risk predictions">
      <div class="mon-box-head">
        <h2>{binary ? "Highest-risk predictions in this window" : "Highest predictions in this window"}</h2>
        <Help
          text="The explained predictions with the highest scores, with the three inputs that pushed each score the most (positive: towards a higher risk). Click an id to see every input's push."
          wide
        />
      </div>
      {win.topRows.length ? (
        <table class="mon-table expl-top" aria-label="Highest-scored predictions">
          <thead>
            <tr>
              <th>Id</th>
              <th class="num">{binary ? "Risk" : "Prediction"}</th>
              <th>What pushed it most</th>
            </tr>
          </thead>
          <tbody>
            {win.topRows.map((r) => (
              <tr key={r.row} class={view.id === r.row ? "expl-current" : undefined}>
                <td>
                  <button type="button" class="linkish" onClick={() => open(r.row)} title={`Why was ${r.row} scored this way?`}>
                    {r.row}
                  </button>
                </td>
                <td class="num">{outputWords(r.output, r.outputSpace)}</td>
                <td>
                  <ul class="expl-pushes">
                    {r.contributions.slice(0, 3).map((c) => (
                      <li key={c.feature} class={c.contribution > 0 ? "expl-up" : c.contribution < 0 ? "expl-down" : ""}>
                        {contributionText(c)}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No prediction of this window was kept with its explanation.</p>
      )}
    </section>
  );
}

// -- one prediction ---------------------------------------------------------------------------

function WhySection(props: TabProps) {
  const { monitor, view } = props;
  const wanted = parseIds(view.id ?? "")[0] ?? null;
  const mv = view.version && /^\d+$/.test(view.version) ? Number(view.version) : null;
  const [id, setId] = useState(wanted ?? "");
  const [version, setVersion] = useState(view.version ?? "");
  const [found, setFound] = useState<Explanation | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    setId(wanted ?? "");
    setVersion(view.version ?? "");
    setFound(null);
    setError(null);
    if (!wanted) return;
    const abort = new AbortController();
    getExplanation(monitor.spec.project, monitor.spec.name, wanted, mv, abort.signal).then(setFound, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    });
    return () => abort.abort();
  }, [wanted, view.version, monitor.spec.project, monitor.spec.name]);

  return (
    <section class="section-box expl-why" id={WHY_ID} aria-label="Why was this prediction made?">
      <div class="mon-box-head">
        <h2>Why was this prediction made?</h2>
        <Help
          text="Any logged prediction can be explained: the model version that made it is loaded again and each input's push on the score is computed (SHAP values), against the reference data as the average."
          wide
        />
      </div>
      <PredictionLookup
        label="Explain a prediction"
        id={id}
        version={version}
        idPlaceholder="e.g. S00008500"
        versionPlaceholder="latest"
        idSize={24}
        submit="Explain"
        onId={setId}
        onVersion={setVersion}
        onSubmit={() => props.go({ id: parseIds(id)[0] ?? null, version: version.trim() || null })}
      />
      {view.version && mv === null ? <Message kind="error" title="A model version is a whole number">Leave it empty to explain the latest prediction with this id.</Message> : null}
      {!wanted ? (
        <p class="muted">
          Enter the id the prediction was logged with (the <code>ids=</code> given to <code>monitor.log</code>, such as a student number), or click an id in the list above.
        </p>
      ) : null}
      {wanted && !found && !error ? <p class="loading">Explaining {wanted}…</p> : null}
      {error && error.status === 404 ? (
        <Message kind="info" title={`No prediction was logged with the id ${wanted}${mv !== null ? ` by model version ${mv}` : ""}`}>
          Check the id (ids are matched exactly, capitals included){mv !== null ? " or leave the model version empty" : ""}. Predictions deleted by the monitor's retention period
          cannot be explained.
        </Message>
      ) : null}
      {error && error.status !== 404 ? <Message kind="error" title={`${wanted} could not be explained`}>{error.message}</Message> : null}
      {found ? <ExplanationView {...props} e={found} /> : null}
    </section>
  );
}

function ExplanationView(props: TabProps & { e: Explanation }) {
  const { e, monitor } = props;
  const spec = monitor.spec;
  const binary = spec.task === "binary";
  const additive = !e.method.split("+").includes("permutation");
  const baseRisk = outputRisk(e.base_value, e.output_space);
  const outRisk = outputRisk(e.output, e.output_space);
  const sum = e.contributions.reduce((a, c) => a + c.contribution, 0);
  const label = e.label as unknown;
  const knownLabel = label !== null && label !== undefined;
  const positive = label === true || label === 1 || label === "1" || (spec.positive !== null && spec.positive !== undefined && String(label) === spec.positive);
  const right = knownLabel && e.flagged !== null ? e.flagged === positive : null;
  const scale = (v: number, risk: number | null) => (risk !== null && e.output_space === "log_odds" ? `${riskText(risk)} (log-odds ${signed(v)})` : risk !== null ? riskText(risk) : num(v));

  return (
    <div class="expl-result" data-id={e.id}>
      <dl class="mon-facts">
        <dt>Prediction</dt>
        <dd>
          <strong>{e.id}</strong>, {formatTime(e.timestamp)}, by{" "}
          <Link href={modelPath(e.model, { tab: "compare", versions: String(e.model_version) })}>
            {e.model} v{e.model_version}
          </Link>
        </dd>
        <dt>{binary ? "Risk score" : "Score"}</dt>
        <dd>
          <strong>{e.score !== null ? num(e.score) : outRisk !== null ? riskText(outRisk) : num(e.output)}</strong>{" "}
          {e.flagged === true ? (
            <span class="mon-verdict verdict-alert">flagged as at risk (score ≥ {num(spec.decision_threshold)})</span>
          ) : e.flagged === false ? (
            <span class="mon-verdict verdict-ok">not flagged (score below {num(spec.decision_threshold)})</span>
          ) : null}
        </dd>
        <dt>What happened</dt>
        <dd>
          {knownLabel ? (
            <>
              {spec.label ?? "outcome"} = {valueText(label)}{" "}
              {right !== null ? <span class={`mon-verdict verdict-${right ? "ok" : "alert"}`}>{right ? "prediction was right" : "prediction was wrong"}</span> : null}
            </>
          ) : (
            <span class="muted">not known yet</span>
          )}
        </dd>
        <dt>How</dt>
        <dd>
          {methodWords(e.method, e.output_space)} <Help text={methodHelp(e.method, e.output_space)} wide />
        </dd>
      </dl>
      <p class="expl-story">
        The model starts from <strong>{scale(e.base_value, baseRisk)}</strong>, its average score on the reference data. Each input below pushes that up or down
        {additive ? (
          <>
            ; together they add {signed(sum)} and bring it to <strong>{scale(e.output, outRisk)}</strong>.
          </>
        ) : (
          <>
            , to <strong>{scale(e.output, outRisk)}</strong> (these effects are measured one input at a time, so they do not add up exactly).
          </>
        )}
      </p>
      <ContributionChart id={e.id} contributions={e.contributions} binary={binary} />
      <p class="mon-small">
        <Link href={props.href({ tab: "audit", id: e.id, version: null, window: null })}>See the full audit record of {e.id} →</Link>{" "}
        <span class="muted">(every input the model saw, the decision and the outcome)</span>
      </p>
    </div>
  );
}
