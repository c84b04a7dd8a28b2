// Every trial of a sweep in a virtual table (10,000 rows cost as much as 40): its state,
// results, settings, run and what happened to it.
import type { SweepMetric, Trial } from "../../api/client";
import { Link } from "../../components/Link";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatValue } from "../../components/format";
import { navigate, runPath } from "../../lib/route";
import type { ParamInfo } from "./transforms";

export function TrialsTable(props: { trials: Trial[]; metrics: SweepMetric[]; params: ParamInfo[] }) {
  const columns: Column<Trial>[] = [
    { key: "number", title: "Trial", width: 70, render: (t) => <span class="num">{t.number}</span> },
    { key: "state", title: "State", width: 100, render: (t) => <span class={`state state-${t.state} sw-trial-${t.state}`}>{t.state}</span> },
    ...props.metrics.map(
      (m, i): Column<Trial> => ({
        key: `value-${m.name}`,
        title: m.name,
        width: 110,
        render: (t) => <span class="num">{formatValue(t.values?.[i] ?? null)}</span>,
      }),
    ),
    ...props.params.map(
      (p): Column<Trial> => ({
        key: `param-${p.name}`,
        title: p.name,
        width: 120,
        render: (t) => <span class="num" title={formatValue(t.params[p.name])}>{formatValue(t.params[p.name])}</span>,
      }),
    ),
    { key: "run", title: "Run", width: 110, render: (t) => (t.run_id ? <Link href={runPath(t.run_id)}>{t.run_id}</Link> : <span class="muted">none yet</span>) },
    {
      key: "message",
      title: "Note",
      width: 360,
      render: (t) => {
        const text = [t.retry_of !== null ? `retry ${t.attempt} of trial ${t.retry_of}` : "", t.message].filter(Boolean).join("; ");
        return <span class="muted" title={text}>{text}</span>;
      },
    },
  ];
  const reversed = [...props.trials].reverse(); // newest first: a running sweep's news on top
  return (
    <VirtualTable
      label="Trials"
      rows={reversed}
      columns={columns}
      rowKey={(t) => String(t.number)}
      rowHeight={32}
      height={Math.min(480, 36 + reversed.length * 32)}
      onOpen={(t) => t.run_id && navigate(runPath(t.run_id))}
    />
  );
}
