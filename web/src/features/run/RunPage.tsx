import { useEffect, useMemo, useState } from "preact/hooks";
import { listFiles } from "../../api/client";
import { PanelGrid } from "../../charts/PanelGrid";
import type { MetricDef } from "../../charts/panels";
import type { ChartRun } from "../../charts/usePanelData";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { runColor } from "../../lib/colors";
import { projectPath } from "../../lib/route";
import { ConsoleView } from "./ConsoleView";
import { RunArtifacts } from "./RunArtifacts";
import { FilesView } from "./FilesView";
import { Overview } from "./Overview";
import { parseTab, tabPath, TAB_TITLES, TABS } from "./tabs";
import { useLiveRun } from "./useLiveRun";

export function RunPage(props: { runId: string; search: string }) {
  const { run, keys, error, tick, replace } = useLiveRun(props.runId);
  const { tab, file } = parseTab(props.search);
  const [files, setFiles] = useState<string[]>([]);

  useEffect(() => {
    listFiles(props.runId).then(setFiles, () => setFiles([]));
  }, [props.runId, tick]);

  const chartRuns = useMemo<ChartRun[]>(() => {
    if (!run) return [];
    const start = Number((run.metadata as { start_time?: number }).start_time) || new Date(run.created_at).getTime() / 1000;
    return [{ id: run.id, name: run.name, color: runColor(run.id), group: run.group ?? null, start }];
  }, [run?.id]);

  if (error) return <Message kind="error" title="This run could not be loaded">{error.message}</Message>;
  if (!run) return <p class="loading">Loading run…</p>;
  const defs = ((run.metadata as { metric_defs?: MetricDef[] }).metric_defs ?? []) as MetricDef[];
  const systemKeys = keys.filter((k) => k.startsWith("system/"));
  // A metric logged once is a number, not a curve: the summary shows it.
  const curveKeys = keys.filter((k) => !k.startsWith("system/") && (run.metrics[k] as { count?: number } | undefined)?.count !== 1);
  const live = run.state === "running";

  return (
    <section class="run-page">
      <p class="crumbs">
        <Link href={projectPath(run.project)}>{run.project}</Link> /
      </p>
      <header class="page-head">
        <span class="run-dot big" style={{ background: runColor(run.id) }} />
        <h1>{run.name}</h1>
        <span class={`state state-${run.state}`}>{run.state}</span>
        {live ? <span class="live" title="This page updates itself while the run is running">● live</span> : null}
      </header>
      <nav class="tabs" role="tablist" aria-label="Run views">
        {TABS.map((name) => (
          <Link href={tabPath(run.id, name)} class={`tab${name === tab ? " current" : ""}`} key={name}>
            {TAB_TITLES[name]}
          </Link>
        ))}
      </nav>
      {tab === "overview" ? <Overview run={run} files={files} onSaved={replace} /> : null}
      {tab === "charts" ? (
        <PanelGrid runs={chartRuns} keys={curveKeys} defs={defs} storageKey={`headway:panels:run:${run.project}`} refresh={tick} />
      ) : null}
      {tab === "system" ? (
        systemKeys.length ? (
          <PanelGrid runs={chartRuns} keys={systemKeys} defs={[]} storageKey={`headway:panels:system:${run.project}`} refresh={tick} only={["system"]} />
        ) : (
          <p class="muted">No system metrics were recorded for this run. The SDK samples CPU, memory, disk, network and GPUs every few seconds while a run is active.</p>
        )
      ) : null}
      {tab === "console" ? <ConsoleView runId={run.id} tick={tick} live={live} /> : null}
      {tab === "files" ? <FilesView runId={run.id} files={files} open={file} /> : null}
      {tab === "artifacts" ? <RunArtifacts runId={run.id} /> : null}
    </section>
  );
}
