// One sweep: its state and controls, progress, the best trial so far, and every view of
// what the trials found (history, importance, contour, parallel coordinates, slices,
// Pareto front), then the trials themselves. Live while the sweep runs.
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, sweepAction, type Sweep, type SweepAction, type Trial } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatTime, formatValue } from "../../components/format";
import { navigate, projectPath, runPath, sweepPath, sweepsPath } from "../../lib/route";
import { Dialog } from "../registry/Dialog";
import { ContourPanel, ImportancePanel } from "./Analysis";
import { HELP, methodName } from "./help";
import { BEST_COLOR, HistoryChart, TRIAL_COLOR } from "./HistoryChart";
import { ProgressBar, SweepState } from "./ProgressBar";
import { ParallelPanel, ParetoPanel, SlicePanel } from "./TrialPlots";
import { TrialsTable } from "./TrialsTable";
import { allowedActions, goalText, historyOf, numericParams, plottedParams, sweepRunsPath } from "./transforms";
import { useSweep } from "./useSweep";
import "./sweeps.css";

/** A titled box with its plain-English explanation under the title. */
function Panel(props: { title: string; help: string; children: ComponentChildren; wide?: boolean; tools?: ComponentChildren }) {
  return (
    <section class={`section-box sw-panel${props.wide ? " wide" : ""}`} aria-label={props.title}>
      <div class="sw-panel-head">
        <h2>{props.title}</h2>
        {props.tools}
      </div>
      <p class="sw-help">{props.help}</p>
      {props.children}
    </section>
  );
}

export function SweepPage(props: { project: string; id: string }) {
  const { sweep, trials, error, analysisVersion, accept } = useSweep(props.id);
  useEffect(() => {
    // A sweep's page lives under its own project: fix a link that named another one.
    if (sweep && sweep.project !== props.project) navigate(sweepPath(sweep.project, sweep.id), true);
  }, [sweep?.project]);
  const crumbs = (
    <p class="crumbs">
      <Link href={projectPath(props.project)}>{props.project}</Link> / <Link href={sweepsPath(props.project)}>sweeps</Link> /
    </p>
  );
  if (!sweep || !trials) {
    if (error)
      return (
        <section>
          {crumbs}
          <Message kind="error" title={error.status === 404 ? `There is no sweep ${props.id}` : `The sweep ${props.id} could not be loaded`}>
            {error.message}
          </Message>
          <p>
            <Link href={sweepsPath(props.project)}>See the sweeps of {props.project}.</Link>
          </p>
        </section>
      );
    return <p class="loading">Loading sweep…</p>;
  }
  return <SweepView sweep={sweep} trials={trials} error={error} analysisVersion={analysisVersion} accept={accept} crumbs={crumbs} />;
}

function SweepView(props: { sweep: Sweep; trials: Trial[]; error: ApiError | null; analysisVersion: number; accept: (s: Sweep) => void; crumbs: ComponentChildren }) {
  const { sweep, trials } = props;
  const metric = sweep.metrics[0] ?? null;
  const params = useMemo(() => plottedParams(sweep.config, trials), [sweep.config, trials]);
  const numeric = useMemo(() => numericParams(params, trials), [params, trials]);
  const history = useMemo(() => (metric ? historyOf(trials, metric.goal) : null), [trials, metric?.goal]);
  const byNumber = useMemo(() => new Map(trials.map((t) => [t.number, t])), [trials]);
  const openTrial = (n: number) => {
    const run = byNumber.get(n)?.run_id;
    if (run) navigate(runPath(run));
  };
  const best = sweep.best;
  const multi = sweep.metrics.length > 1;

  return (
    <section class="sweep-page">
      {props.crumbs}
      <header class="page-head">
        <h1>{sweep.name}</h1>
        <SweepState state={sweep.state} />
        <span class="count">
          {methodName(sweep.method)} · {goalText(sweep.metrics) || "no metric"} · created {formatTime(sweep.created_at)}
        </span>
        {sweep.state === "running" || (sweep.counts.running ?? 0) > 0 ? <span class="live" title="This page updates itself every few seconds">● live</span> : null}
      </header>
      {sweep.message ? <p class="sw-message" aria-label="Sweep message">{messageText(sweep)}</p> : null}
      {sweep.description ? <p class="muted">{sweep.description}</p> : null}
      {props.error ? <Message kind="error" title="Live updates failed; retrying">{props.error.message}</Message> : null}
      <Controls sweep={sweep} accept={props.accept} />

      <div class="sw-grid">
        <Panel title="Progress" help={HELP.progress}>
          <ProgressBar sweep={sweep} />
        </Panel>
        <Panel title={multi ? "Best trials (Pareto front)" : "Best trial so far"} help={multi ? HELP.front : HELP.best}>
          {best.length === 0 ? <p class="muted">No trial has finished yet.</p> : multi ? <FrontList sweep={sweep} /> : <BestTrial sweep={sweep} trial={best[0]} />}
        </Panel>
        {multi ? (
          <Panel title="Pareto front" help={HELP.pareto} wide>
            <ParetoPanel trials={trials} metrics={sweep.metrics} onOpen={openTrial} />
          </Panel>
        ) : null}
        {metric && history ? (
          <Panel title={`Optimisation history of ${metric.name}`} help={HELP.history} wide>
            <div class="sw-legend-line muted">
              <span class="sw-swatch round" style={{ background: TRIAL_COLOR }} /> a finished trial <span class="sw-line" style={{ background: BEST_COLOR }} /> best so far (
              {metric.goal === "minimize" ? "lowest" : "highest"} {metric.name})
            </div>
            {history.numbers.length ? <HistoryChart history={history} metric={metric.name} goal={metric.goal} onOpen={openTrial} /> : <p class="muted">No trial has finished yet.</p>}
          </Panel>
        ) : null}
        {metric ? (
          <Panel title="Parameter importance" help={HELP.importance}>
            <ImportancePanel sweepId={sweep.id} metric={metric} version={props.analysisVersion} />
          </Panel>
        ) : null}
        {metric ? (
          <Panel title={`Contour of ${metric.name}`} help={HELP.contour}>
            {numeric.length >= 2 ? (
              <ContourPanel
                sweepId={sweep.id}
                metric={metric}
                params={numeric}
                trials={trials}
                bestNumber={multi ? null : (best[0]?.number ?? null)}
                version={props.analysisVersion}
                onOpen={openTrial}
              />
            ) : (
              <p class="muted">A contour needs two numeric parameters; this sweep has {numeric.length}.</p>
            )}
          </Panel>
        ) : null}
        {metric ? (
          <Panel title="Parallel coordinates" help={HELP.parallel} wide>
            <ParallelPanel trials={trials} params={params} metric={metric} onOpen={openTrial} />
          </Panel>
        ) : null}
        {metric ? (
          <Panel title={`${metric.name} by each parameter`} help={HELP.slices} wide>
            <SlicePanel trials={trials} params={params} metric={metric} onOpen={openTrial} />
          </Panel>
        ) : null}
        <Panel
          title="Trials"
          help={HELP.trials}
          wide
          tools={
            <Link href={sweepRunsPath(sweep.project, sweep.id)} class="sw-runs-link">
              Open in runs table
            </Link>
          }
        >
          {trials.length ? <TrialsTable trials={trials} metrics={sweep.metrics} params={params} /> : <p class="muted">No trial has started yet: start an agent for this sweep (see below).</p>}
          {sweep.state !== "finished" && sweep.state !== "cancelled" ? (
            <p class="muted sw-small">
              Trials are run by agents: <code>headway agent {sweep.id}</code> on any machine that reaches this server, or <code>headway.agent("{sweep.id}", function=train)</code> in Python.
            </p>
          ) : null}
        </Panel>
      </div>
    </section>
  );
}

function messageText(sweep: Sweep): string {
  const m = sweep.message;
  if (m === "paused") return "Paused: agents wait and start no new trial until the sweep is resumed.";
  if (m === "stopped") return "Stopped: no new trials were started after that; trials already running were allowed to finish.";
  if (m === "cancelled") return "Cancelled: no new trials, and running trials were told to stop.";
  return m.charAt(0).toUpperCase() + m.slice(1);
}

const ACTIONS: { action: SweepAction; label: (s: Sweep) => string; title: string }[] = [
  { action: "resume", label: (s) => (s.total === 0 ? "Start" : "Resume"), title: "Let agents take new trials again" },
  { action: "pause", label: () => "Pause", title: "Agents finish their current trial and then wait" },
  { action: "stop", label: () => "Stop", title: "End the sweep: no new trials; running trials finish" },
  { action: "cancel", label: () => "Cancel", title: "End the sweep now: running trials are told to stop" },
];

function Controls(props: { sweep: Sweep; accept: (s: Sweep) => void }) {
  const [busy, setBusy] = useState<SweepAction | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const allowed = allowedActions(props.sweep.state);
  const act = async (action: SweepAction) => {
    setConfirming(false);
    setBusy(action);
    setError(null);
    try {
      props.accept(await sweepAction(props.sweep.id, action));
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    } finally {
      setBusy(null);
    }
  };
  const running = props.sweep.counts.running ?? 0;
  return (
    <div class="sw-controls" role="group" aria-label="Sweep controls">
      {ACTIONS.map((a) => (
        <button
          type="button"
          key={a.action}
          class={a.action === "resume" ? "primary" : a.action === "cancel" ? "danger" : ""}
          disabled={!allowed[a.action] || busy !== null}
          title={a.title}
          onClick={() => (a.action === "cancel" ? setConfirming(true) : void act(a.action))}
        >
          {busy === a.action ? `${a.label(props.sweep)}…` : a.label(props.sweep)}
        </button>
      ))}
      <span class="muted sw-small">{HELP.controls}</span>
      {error ? <Message kind="error" title="The sweep did not change">{error.message}</Message> : null}
      {confirming ? (
        <Dialog title={`Cancel the sweep ${props.sweep.name}?`} onClose={() => setConfirming(false)}>
          <p>
            No new trials will start
            {running ? `, and the ${running} running ${running === 1 ? "trial is" : "trials are"} told to stop now (their runs keep what they logged)` : ""}. The
            trials so far and their results stay.
          </p>
          <div class="row-buttons">
            <button type="button" data-autofocus onClick={() => setConfirming(false)}>
              Keep the sweep
            </button>
            <button type="button" class="danger" onClick={() => void act("cancel")}>
              Cancel the sweep
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}

function BestTrial(props: { sweep: Sweep; trial: Trial }) {
  const t = props.trial;
  return (
    <div class="sw-best" aria-label="Best trial">
      <p class="sw-best-value">
        <span class="muted">{props.sweep.metrics[0].name}</span> <strong class="num">{formatValue(t.values?.[0] ?? null)}</strong>{" "}
        <span class="muted">in trial {t.number}</span>
      </p>
      <p>{t.run_id ? <Link href={runPath(t.run_id)}>Open the best run ({t.run_id})</Link> : <span class="muted">No run linked.</span>}</p>
      <table class="kv sw-params" aria-label="Parameters of the best trial">
        <tbody>
          {Object.entries(t.params).map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{formatValue(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FrontList(props: { sweep: Sweep }) {
  const metrics = props.sweep.metrics;
  const keys = [...new Set(props.sweep.best.flatMap((t) => Object.keys(t.params)))];
  return (
    <div class="sw-front-scroll">
      <table class="sw-table sw-front" aria-label="Trials on the Pareto front">
        <thead>
          <tr>
            <th>Trial</th>
            {metrics.map((m) => (
              <th key={m.name} class="num">{m.name}</th>
            ))}
            {keys.map((k) => (
              <th key={k} class="num">{k}</th>
            ))}
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {props.sweep.best.map((t) => (
            <tr key={t.number}>
              <td class="num-left">{t.number}</td>
              {metrics.map((m, i) => (
                <td key={m.name} class="num">{formatValue(t.values?.[i] ?? null)}</td>
              ))}
              {keys.map((k) => (
                <td key={k} class="num">{formatValue(t.params[k])}</td>
              ))}
              <td>{t.run_id ? <Link href={runPath(t.run_id)}>{t.run_id}</Link> : <span class="muted">none</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
