import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Run } from "../../api/client";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatTime, formatValue } from "../../components/format";
import { runColor } from "../../lib/colors";
import { navigate, projectPath, runPath } from "../../lib/route";
import { EMPTY_VIEW, formatView, parseView, sortParam, toggleSort, type ViewState } from "../../lib/viewState";
import { FIRST_RUN_CODE } from "../projects/ProjectsPage";
import { availableColumns, cellValue, defaultColumns, toCsv } from "./columns";
import { FilterInput } from "./FilterInput";
import { useRuns } from "./useRuns";
import { describeAggregate, groupRuns, type Group } from "./grouping";
import { deleteView, listViews, saveView } from "./savedViews";

type Row = { kind: "run"; run: Run } | { kind: "group"; group: Group; open: boolean };

export function comparePath(project: string, view: ViewState): string {
  const query = formatView({ ...EMPTY_VIEW, filter: view.selected.length ? "" : view.filter, selected: view.selected, baseline: view.baseline, hidden: view.hidden, columns: view.columns, group: view.group });
  return `${projectPath(project)}/compare${query}`;
}

export function RunsPage(props: { project: string; search: string }) {
  const view = parseView(props.search);
  const order = sortParam(view.sort);
  const { loaded, error } = useRuns(props.project, view.filter, order);
  const [draft, setDraft] = useState(view.filter);
  const [height, setHeight] = useState(600);
  const [openGroups, setOpenGroups] = useState<Set<string>>(new Set());
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => setDraft(view.filter), [view.filter]);
  useEffect(() => {
    const fit = () => {
      const top = holder.current?.getBoundingClientRect().top ?? 200;
      setHeight(Math.max(240, window.innerHeight - top - 48));
    };
    fit();
    window.addEventListener("resize", fit);
    return () => window.removeEventListener("resize", fit);
  }, [loaded !== null]);

  const setView = (next: Partial<ViewState>) =>
    navigate(location.pathname + formatView({ ...view, ...next }), true);

  const runs = loaded?.runs ?? [];
  const available = useMemo(() => availableColumns(runs.slice(0, 500)), [runs.length > 0 ? runs[0].id : ""]);
  const shown = view.columns.length ? view.columns : defaultColumns(available);
  const selected = new Set(view.selected);
  const hidden = new Set(view.hidden);
  const baseline = runs.find((r) => r.id === view.baseline);

  const rows = useMemo<Row[]>(() => {
    const ordered = baseline ? [baseline, ...runs.filter((r) => r !== baseline)] : runs;
    if (!view.group) return ordered.map((run) => ({ kind: "run" as const, run }));
    const out: Row[] = [];
    for (const group of groupRuns(runs, view.group, shown)) {
      const open = openGroups.has(group.value);
      out.push({ kind: "group", group, open });
      if (open) for (const run of group.runs) out.push({ kind: "run", run });
    }
    return out;
  }, [runs, view.group, view.baseline, shown.join(","), openGroups]);

  const sortState = (column: string) => {
    const index = view.sort.findIndex((k) => k.column === column);
    if (index < 0) return { sort: "none" as const };
    return {
      sort: view.sort[index].descending ? ("desc" as const) : ("asc" as const),
      sortRank: view.sort.length > 1 ? index + 1 : undefined,
    };
  };

  const toggleIn = (list: string[], id: string) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  const toggleGroup = (value: string) => {
    const next = new Set(openGroups);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    setOpenGroups(next);
  };

  const columns: Column<Row>[] = [
    {
      key: "select",
      title: "",
      width: 96,
      render: (row) =>
        row.kind === "group" ? (
          <button type="button" class="group-toggle" aria-expanded={row.open} onClick={() => toggleGroup(row.group.value)}>
            {row.open ? "▾" : "▸"}
          </button>
        ) : (
          <span class="select-cell">
            <span class="run-dot" style={{ background: runColor(row.run.id) }} />
            <input type="checkbox" aria-label={`select ${row.run.name}`} title="Select for comparison" checked={selected.has(row.run.id)} onChange={() => setView({ selected: toggleIn(view.selected, row.run.id) })} />
            <button type="button" class="icon" aria-pressed={hidden.has(row.run.id)} aria-label={`${hidden.has(row.run.id) ? "Show" : "Hide"} ${row.run.name} in charts and comparisons`} title={hidden.has(row.run.id) ? "Hidden from charts and comparisons: click to show" : "Hide from charts and comparisons"} onClick={() => setView({ hidden: toggleIn(view.hidden, row.run.id) })}>
              {hidden.has(row.run.id) ? "◌" : "◉"}
            </button>
            <button type="button" class={`icon pin${view.baseline === row.run.id ? " pinned" : ""}`} aria-pressed={view.baseline === row.run.id} aria-label={`Pin ${row.run.name} as the baseline`} title="Pin as the baseline every run is compared against" onClick={() => setView({ baseline: view.baseline === row.run.id ? "" : row.run.id })}>
              ⚑
            </button>
          </span>
        ),
    },
    {
      key: "name",
      title: view.group ? `${view.group.replace(/^config\./, "")} / name` : "Name",
      width: 240,
      ...sortState("name"),
      render: (row) =>
        row.kind === "group" ? (
          <button type="button" class="group-name" onClick={() => toggleGroup(row.group.value)}>
            <strong>{row.group.value}</strong> <span class="muted">· {row.group.runs.length.toLocaleString()} runs</span>
          </button>
        ) : (
          <a href={runPath(row.run.id)} onClick={(e) => { e.preventDefault(); navigate(runPath(row.run.id)); }}>
            {row.run.name}
            {view.baseline === row.run.id ? <span class="badge">baseline</span> : null}
          </a>
        ),
    },
    {
      key: "state",
      title: "State",
      width: 100,
      ...sortState("state"),
      render: (row) => (row.kind === "group" ? "" : <span class={`state state-${row.run.state}`}>{row.run.state}</span>),
    },
    {
      key: "created_at",
      title: "Created",
      width: 200,
      ...sortState("created_at"),
      render: (row) => (row.kind === "group" ? "" : formatTime(row.run.created_at)),
    },
    ...shown.map(
      (column): Column<Row> => ({
        key: column,
        title: column.replace(/^(summary|config)\./, ""),
        width: view.group ? 190 : 140,
        ...sortState(column),
        render: (row) => {
          if (row.kind === "group") {
            const agg = row.group.aggregates[column];
            return <span class="num agg" title={agg ? `count ${agg.count}, mean ${agg.mean}, min ${agg.min}, max ${agg.max}` : ""}>{describeAggregate(agg)}</span>;
          }
          return <span class="num">{formatValue(cellValue(row.run, column))}</span>;
        },
      }),
    ),
  ];

  const download = () => {
    const shownRuns = rows.flatMap((r) => (r.kind === "run" ? [r.run] : r.open ? [] : r.group.runs));
    const blob = new Blob([toCsv(shownRuns, ["name", "state", "created_at", ...shown], formatValue)], {
      type: "text/csv",
    });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${props.project}-runs.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const configKeys = available.filter((c) => c.startsWith("config."));
  const compareCount = view.selected.length || Math.max(0, (loaded?.total ?? 0) - view.hidden.length);

  return (
    <section class="runs-page">
      <header class="page-head">
        <h1>{props.project}</h1>
        <span class="count" aria-live="polite">
          {loaded ? `${loaded.total.toLocaleString()} runs${loaded.done ? "" : ` (loading ${runs.length.toLocaleString()}…)`}` : ""}
        </span>
        <SavedViews project={props.project} current={formatView(view)} />
      </header>
      <form
        class="filter-bar"
        onSubmit={(e) => {
          e.preventDefault();
          setView({ filter: draft.trim() });
        }}
      >
        <FilterInput value={draft} onInput={setDraft} onApply={() => setView({ filter: draft.trim() })} runs={runs} fields={available} />
        <button type="submit">Apply</button>
        <ColumnPicker available={available} shown={shown} onChange={(next) => setView({ columns: next })} />
        <select aria-label="Group by" value={view.group} onChange={(e) => { setOpenGroups(new Set()); setView({ group: (e.target as HTMLSelectElement).value }); }}>
          <option value="">No grouping</option>
          {configKeys.map((c) => (
            <option value={c} key={c}>
              Group by {c.slice(7)}
            </option>
          ))}
        </select>
        <button type="button" onClick={download} disabled={!runs.length}>
          Export CSV
        </button>
        <button type="button" class="primary" disabled={compareCount < 2} onClick={() => navigate(comparePath(props.project, view))} title={view.selected.length ? "Compare the selected runs" : "Compare every run the filter shows (select runs to compare only those)"}>
          {view.selected.length ? `Compare ${view.selected.length} selected` : `Compare all ${compareCount.toLocaleString()}`}
        </button>
        {view.selected.length ? (
          <button type="button" onClick={() => setView({ selected: [] })}>
            Clear selection
          </button>
        ) : null}
      </form>
      {error ? (
        <Message kind="error" title={error.code === "invalid_argument" ? "The filter is not valid" : "Runs could not be loaded"}>
          {error.message}
        </Message>
      ) : null}
      {loaded && loaded.total === 0 && !view.filter ? (
        <section class="empty">
          <p>This project has no runs yet. Log one from Python:</p>
          <pre class="code">{FIRST_RUN_CODE.replace("dropout-risk", props.project)}</pre>
        </section>
      ) : null}
      {loaded && loaded.total === 0 && view.filter ? (
        <Message kind="info" title="No run matches this filter" />
      ) : null}
      <div ref={holder}>
        {!loaded && !error ? <p class="loading">Loading runs…</p> : null}
        {loaded && loaded.total > 0 ? (
          <VirtualTable
            label={`Runs of ${props.project}`}
            rows={rows}
            columns={columns}
            rowKey={(row) => (row.kind === "run" ? row.run.id : `group:${row.group.value}`)}
            rowClass={(row) => (row.kind === "group" ? "group-row" : `${hidden.has(row.run.id) ? "hidden-run" : ""}${view.baseline === row.run.id ? " baseline-row" : ""}`)}
            height={height}
            onSort={(column, additive) => setView({ sort: toggleSort(view.sort, column, additive) })}
            onOpen={(row) => (row.kind === "run" ? navigate(runPath(row.run.id)) : toggleGroup(row.group.value))}
          />
        ) : null}
      </div>
    </section>
  );
}

function SavedViews(props: { project: string; current: string }) {
  const [views, setViews] = useState(() => listViews(props.project));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setViews(listViews(props.project)), [props.project]);
  const active = views.find((v) => v.query === props.current);
  return (
    <span class="saved-views">
      <select
        aria-label="Saved views"
        value={active?.name ?? ""}
        onChange={(e) => {
          const name = (e.target as HTMLSelectElement).value;
          const found = views.find((v) => v.name === name);
          if (found) navigate(location.pathname + found.query);
        }}
      >
        <option value="">{views.length ? "Saved views…" : "No saved views"}</option>
        {views.map((v) => (
          <option value={v.name} key={v.name}>
            {v.name}
          </option>
        ))}
      </select>
      <button
        type="button"
        onClick={() => {
          const name = prompt("Name this view (filter, sort, columns, grouping, baseline):", active?.name ?? "");
          if (name === null) return;
          try {
            setViews(saveView(props.project, name, props.current));
            setError(null);
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
          }
        }}
      >
        Save view
      </button>
      {active ? (
        <button type="button" onClick={() => setViews(deleteView(props.project, active.name))}>
          Delete view
        </button>
      ) : null}
      {error ? <span class="inline-error" role="alert">{error}</span> : null}
    </span>
  );
}

function ColumnPicker(props: { available: string[]; shown: string[]; onChange: (c: string[]) => void }) {
  const hidden = props.available.filter((c) => !props.shown.includes(c));
  return (
    <span class="column-picker">
      <select
        aria-label="Add a column"
        value=""
        onChange={(e) => {
          const value = (e.target as HTMLSelectElement).value;
          if (value) props.onChange([...props.shown, value]);
        }}
      >
        <option value="">+ Column</option>
        {hidden.map((c) => (
          <option value={c} key={c}>
            {c}
          </option>
        ))}
      </select>
      {props.shown.length ? (
        <select
          aria-label="Remove a column"
          value=""
          onChange={(e) => {
            const value = (e.target as HTMLSelectElement).value;
            if (value) props.onChange(props.shown.filter((c) => c !== value));
          }}
        >
          <option value="">− Column</option>
          {props.shown.map((c) => (
            <option value={c} key={c}>
              {c}
            </option>
          ))}
        </select>
      ) : null}
    </span>
  );
}
