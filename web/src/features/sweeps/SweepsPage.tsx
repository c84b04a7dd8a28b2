// A project's sweeps: what each searches, how far it got and the best result so far.
import { useEffect, useState } from "preact/hooks";
import { ApiError, listSweeps, type Sweep } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatAge } from "../../components/format";
import { navigate, projectPath, sweepPath } from "../../lib/route";
import { HELP, methodName } from "./help";
import { ProgressBar, SweepState } from "./ProgressBar";
import { bestText, goalText } from "./transforms";
import "./sweeps.css";

export const firstSweepCode = (project: string) => `import headway

def train():
    run = headway.init()              # the trial's settings are in run.config
    for epoch in range(10):
        loss = ...                    # uses run.config["lr"], ["dropout"]
        run.log({"loss": loss})

sweep_id = headway.sweep({
    "method": "bayes",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 0.1},
        "dropout": {"min": 0.0, "max": 0.5},
    },
    "run_cap": 30,
}, project=${JSON.stringify(project)})
headway.agent(sweep_id, function=train)`;

export function SweepsPage(props: { project: string }) {
  const [sweeps, setSweeps] = useState<Sweep[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setSweeps(null);
    setError(null);
    listSweeps(props.project, abort.signal).then(setSweeps, (e: unknown) => {
      if (!abort.signal.aborted) setError(e instanceof ApiError ? e : new ApiError(0, "error", String(e)));
    });
    return () => abort.abort();
  }, [props.project]);

  const columns: Column<Sweep>[] = [
    { key: "name", title: "Sweep", width: 180, render: (s) => <Link href={sweepPath(s.project, s.id)}>{s.name}</Link> },
    { key: "state", title: "State", width: 100, render: (s) => <SweepState state={s.state} /> },
    { key: "method", title: "Method", width: 170, render: (s) => methodName(s.method) },
    { key: "goal", title: "Goal", width: 290, render: (s) => <span title={goalText(s.metrics)}>{goalText(s.metrics) || <span class="muted">none</span>}</span> },
    { key: "progress", title: "Progress", width: 220, render: (s) => <ProgressBar sweep={s} compact /> },
    { key: "best", title: "Best so far", width: 190, render: (s) => <span class="num-left">{bestText(s) || <span class="muted">nothing finished</span>}</span> },
    { key: "created", title: "Created", width: 120, render: (s) => <span title={s.created_at}>{formatAge(s.created_at)}</span> },
  ];

  return (
    <section class="sweeps-page">
      <p class="crumbs">
        <Link href={projectPath(props.project)}>{props.project}</Link> /
      </p>
      <header class="page-head">
        <h1>Sweeps</h1>
        <span class="count">{sweeps ? `${sweeps.length.toLocaleString("en")} ${sweeps.length === 1 ? "sweep" : "sweeps"}` : ""}</span>
      </header>
      <p class="sw-lead muted">{HELP.list}</p>
      {error ? <Message kind="error" title="Sweeps could not be loaded">{error.message}</Message> : null}
      {!sweeps && !error ? <p class="loading">Loading sweeps…</p> : null}
      {sweeps && sweeps.length === 0 ? (
        <section class="empty">
          <p>
            {props.project} has no sweep yet. A sweep is started from Python (or with <code>headway sweep</code> on the command line): describe the settings to
            try and what to optimise, then let one or more agents run the trials. Their progress and results appear here.
          </p>
          <pre class="code">{firstSweepCode(props.project)}</pre>
        </section>
      ) : null}
      {sweeps && sweeps.length > 0 ? (
        <VirtualTable
          label="Sweeps"
          rows={sweeps}
          columns={columns}
          rowKey={(s) => s.id}
          rowHeight={36}
          height={Math.min(600, 38 + sweeps.length * 36)}
          onOpen={(s) => navigate(sweepPath(s.project, s.id))}
        />
      ) : null}
    </section>
  );
}
