import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, searchRuns, type Run } from "../../api/client";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatTime, formatValue } from "../../components/format";
import { runColor } from "../../lib/colors";
import { navigate, runPath } from "../../lib/route";
import { formatView, parseView, sortParam, toggleSort, type ViewState } from "../../lib/viewState";
import { FIRST_RUN_CODE } from "../projects/ProjectsPage";
import { availableColumns, cellValue, defaultColumns, toCsv } from "./columns";

/** Runs per request: the first page paints at once, the rest streams in behind it. */
const FIRST_PAGE = 200;
const NEXT_PAGES = 2000;

interface Loaded {
  runs: Run[];
  total: number;
  done: boolean;
}

function useRuns(project: string, filter: string, order: string[]) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const key = JSON.stringify([project, filter, order]);
  useEffect(() => {
    let cancelled = false;
    setError(null);
    (async () => {
      const runs: Run[] = [];
      let cursor: string | null = null;
      let limit = FIRST_PAGE;
      for (;;) {
        const page = await searchRuns(project, { filter, order, limit, cursor, include_deleted: false });
        if (cancelled) return;
        runs.push(...page.runs);
        cursor = page.next_cursor ?? null;
        setLoaded({ runs: [...runs], total: page.total, done: cursor === null });
        if (cursor === null) return;
        limit = NEXT_PAGES;
      }
    })().catch((e: ApiError) => {
      if (!cancelled) setError(e);
    });
    return () => {
      cancelled = true;
    };
  }, [key]);
  return { loaded, error };
}

export function RunsPage(props: { project: string; search: string }) {
  const view = parseView(props.search);
  const order = sortParam(view.sort);
  const { loaded, error } = useRuns(props.project, view.filter, order);
  const [draft, setDraft] = useState(view.filter);
  const [height, setHeight] = useState(600);
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

  const sortState = (column: string) => {
    const index = view.sort.findIndex((k) => k.column === column);
    if (index < 0) return { sort: "none" as const };
    return {
      sort: view.sort[index].descending ? ("desc" as const) : ("asc" as const),
      sortRank: view.sort.length > 1 ? index + 1 : undefined,
    };
  };

  const toggleSelected = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setView({ selected: [...next] });
  };

  const columns: Column<Run>[] = [
    {
      key: "select",
      title: "",
      width: 44,
      render: (run) => (
        <label class="select-cell" title="Select for comparison">
          <span class="run-dot" style={{ background: runColor(run.id) }} />
          <input
            type="checkbox"
            aria-label={`select ${run.name}`}
            checked={selected.has(run.id)}
            onChange={() => toggleSelected(run.id)}
          />
        </label>
      ),
    },
    {
      key: "name",
      title: "Name",
      width: 220,
      ...sortState("name"),
      render: (run) => (
        <a href={runPath(run.id)} onClick={(e) => { e.preventDefault(); navigate(runPath(run.id)); }}>
          {run.name}
        </a>
      ),
    },
    {
      key: "state",
      title: "State",
      width: 100,
      ...sortState("state"),
      render: (run) => <span class={`state state-${run.state}`}>{run.state}</span>,
    },
    {
      key: "created_at",
      title: "Created",
      width: 200,
      ...sortState("created_at"),
      render: (run) => formatTime(run.created_at),
    },
    ...shown.map(
      (column): Column<Run> => ({
        key: column,
        title: column.replace(/^(summary|config)\./, ""),
        width: 140,
        ...sortState(column),
        render: (run) => <span class="num">{formatValue(cellValue(run, column))}</span>,
      }),
    ),
  ];

  const download = () => {
    const blob = new Blob([toCsv(runs, ["name", "state", "created_at", ...shown], formatValue)], {
      type: "text/csv",
    });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${props.project}-runs.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  return (
    <section class="runs-page">
      <header class="page-head">
        <h1>{props.project}</h1>
        <span class="count" aria-live="polite">
          {loaded ? `${loaded.total.toLocaleString()} runs${loaded.done ? "" : ` (loading ${runs.length.toLocaleString()}…)`}` : ""}
        </span>
      </header>
      <form
        class="filter-bar"
        onSubmit={(e) => {
          e.preventDefault();
          setView({ filter: draft.trim() });
        }}
      >
        <input
          type="search"
          aria-label="Filter runs"
          placeholder='Filter, e.g. config.model = "rf" and summary.val_auc >= 0.8'
          value={draft}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          spellcheck={false}
        />
        <button type="submit">Apply</button>
        <ColumnPicker
          available={available}
          shown={shown}
          onChange={(next) => setView({ columns: next })}
        />
        <button type="button" onClick={download} disabled={!runs.length}>
          Export CSV
        </button>
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
            rows={runs}
            columns={columns}
            rowKey={(run) => run.id}
            height={height}
            onSort={(column, additive) => setView({ sort: toggleSort(view.sort, column, additive) })}
            onOpen={(run) => navigate(runPath(run.id))}
          />
        ) : null}
      </div>
    </section>
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
