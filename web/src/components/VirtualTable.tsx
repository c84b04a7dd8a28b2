import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { visibleRange } from "../lib/virtual";

export interface Column<Row> {
  key: string;
  title: string;
  width: number;
  render: (row: Row) => ComponentChildren;
  /** Shown on the header's sort button; absent when the column cannot be sorted. */
  sort?: "asc" | "desc" | "none";
  sortRank?: number;
}

interface Props<Row> {
  rows: Row[];
  columns: Column<Row>[];
  rowKey: (row: Row) => string;
  rowHeight?: number;
  height: number;
  onSort?: (column: string, additive: boolean) => void;
  onOpen?: (row: Row) => void;
  /** Extra classes of a row (e.g. a pinned baseline or a hidden run). */
  rowClass?: (row: Row) => string;
  label: string;
}

/** A table that renders only the rows in view: 10,000 rows cost as much as 40. */
export function VirtualTable<Row>(props: Props<Row>) {
  const rowHeight = props.rowHeight ?? 32;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [focus, setFocus] = useState(-1);
  const { start, end } = visibleRange(scrollTop, props.height, rowHeight, props.rows.length);
  const width = props.columns.reduce((sum, c) => sum + c.width, 0);

  useLayoutEffect(() => {
    // Keep the focused row in view when moving with the keyboard.
    const el = scroller.current;
    if (!el || focus < 0) return;
    const top = focus * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + props.height - rowHeight)
      el.scrollTop = top + 2 * rowHeight - props.height;
  }, [focus]);

  const onKey = (event: KeyboardEvent) => {
    const last = props.rows.length - 1;
    if (event.key === "ArrowDown") setFocus((f) => Math.min(last, f + 1));
    else if (event.key === "ArrowUp") setFocus((f) => Math.max(0, f - 1));
    else if (event.key === "Home") setFocus(0);
    else if (event.key === "End") setFocus(last);
    else if (event.key === "Enter" && focus >= 0 && props.onOpen) props.onOpen(props.rows[focus]);
    else return;
    event.preventDefault();
  };

  return (
    <div
      class="vtable"
      role="grid"
      aria-label={props.label}
      aria-rowcount={props.rows.length + 1}
      tabIndex={0}
      onKeyDown={onKey}
    >
      <div
        class="vtable-body"
        ref={scroller}
        style={{ height: props.height }}
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      >
        <div class="vtable-head" role="row" style={{ width }}>
          {props.columns.map((c) => (
            <div class="vtable-cell" role="columnheader" style={{ width: c.width }} key={c.key}>
              {c.sort && props.onSort ? (
                <button
                  class="sort-button"
                  title="Sort (Shift-click to add to the sort)"
                  aria-sort={c.sort === "asc" ? "ascending" : c.sort === "desc" ? "descending" : "none"}
                  onClick={(e) => props.onSort?.(c.key, e.shiftKey)}
                >
                  {c.title}
                  <span class="sort-mark">
                    {c.sort === "asc" ? " ▲" : c.sort === "desc" ? " ▼" : ""}
                    {c.sortRank ? <sup>{c.sortRank}</sup> : null}
                  </span>
                </button>
              ) : (
                c.title
              )}
            </div>
          ))}
        </div>
        <div style={{ height: props.rows.length * rowHeight, width, position: "relative" }}>
          {props.rows.slice(start, end).map((row, i) => {
            const index = start + i;
            return (
              <div
                key={props.rowKey(row)}
                role="row"
                aria-rowindex={index + 2}
                class={`vtable-row${index === focus ? " focused" : ""} ${props.rowClass?.(row) ?? ""}`}
                style={{ top: index * rowHeight, height: rowHeight, width }}
                onClick={() => setFocus(index)}
              >
                {props.columns.map((c) => (
                  <div class="vtable-cell" role="gridcell" style={{ width: c.width }} key={c.key}>
                    {c.render(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
