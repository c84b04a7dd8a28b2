// Layout of a lineage graph, left to right in the direction data flows: a dataset is left
// of the run that used it, which is left of the model it produced.
//
// Columns come from the longest path from the graph's sources (so every edge points right),
// then sources are pulled right next to their first consumer (a dataset used late in a
// chain sits beside that run, not far away in column 0). Within a column, nodes are ordered
// by the mean row of their neighbours, a few sweeps each way, which removes most crossings.
// A cycle (a run that used its own output) is broken at the node with the fewest
// unresolved inputs; that edge is drawn as a back edge.

export interface LayoutNodeIn {
  id: string;
  kind: string;
}

export interface LayoutEdgeIn {
  source: string;
  target: string;
}

export interface Placed<N> {
  node: N;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface Routed<E> {
  edge: E;
  /** An SVG path from the source's right side to the target's left side. */
  path: string;
  back: boolean;
}

export interface Layout<N, E> {
  nodes: Placed<N>[];
  edges: Routed<E>[];
  width: number;
  height: number;
  columns: number;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  padding: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 184, nodeHeight: 40, columnGap: 56, rowGap: 18, padding: 12 };

/** Topological order of the nodes; edges that close a cycle are returned as back edges. */
function order(ids: string[], edges: LayoutEdgeIn[]): { sorted: string[]; back: Set<LayoutEdgeIn> } {
  const incoming = new Map<string, LayoutEdgeIn[]>(ids.map((id) => [id, []]));
  const outgoing = new Map<string, LayoutEdgeIn[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    incoming.get(e.target)!.push(e);
    outgoing.get(e.source)!.push(e);
  }
  const pending = new Map(ids.map((id) => [id, incoming.get(id)!.length]));
  const done = new Set<string>();
  const back = new Set<LayoutEdgeIn>();
  const sorted: string[] = [];
  const ready = ids.filter((id) => pending.get(id) === 0);
  while (sorted.length < ids.length) {
    if (!ready.length) {
      // A cycle: take the waiting node with the fewest unresolved inputs.
      let pick = "";
      for (const id of ids) if (!done.has(id) && (!pick || pending.get(id)! < pending.get(pick)!)) pick = id;
      for (const e of incoming.get(pick)!) if (!done.has(e.source)) back.add(e);
      pending.set(pick, 0);
      ready.push(pick);
    }
    const id = ready.shift()!;
    if (done.has(id)) continue;
    done.add(id);
    sorted.push(id);
    for (const e of outgoing.get(id)!) {
      if (back.has(e) || done.has(e.target)) continue;
      const left = pending.get(e.target)! - 1;
      pending.set(e.target, left);
      if (left === 0) ready.push(e.target);
    }
  }
  return { sorted, back };
}

/** Column of every node: longest path from a source, sources pulled next to their consumers. */
export function assignColumns(ids: string[], edges: LayoutEdgeIn[]): { columns: Map<string, number>; back: Set<LayoutEdgeIn> } {
  const { sorted, back } = order(ids, edges);
  const forward = edges.filter((e) => !back.has(e));
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of forward) {
    preds.get(e.target)!.push(e.source);
    succs.get(e.source)!.push(e.target);
  }
  const column = new Map<string, number>();
  for (const id of sorted) column.set(id, Math.max(0, ...preds.get(id)!.map((p) => column.get(p)! + 1)));
  for (const id of [...sorted].reverse()) {
    const next = succs.get(id)!;
    if (!preds.get(id)!.length && next.length) column.set(id, Math.min(...next.map((s) => column.get(s)!)) - 1);
  }
  const least = Math.min(0, ...column.values());
  for (const [id, c] of column) column.set(id, c - least);
  return { columns: column, back };
}

/** Rows within each column, by the mean row of neighbours in the previous (or next) column. */
function assignRows(ids: string[], columns: Map<string, number>, edges: LayoutEdgeIn[]): Map<string, number> {
  const count = Math.max(0, ...columns.values()) + 1;
  const byColumn: string[][] = Array.from({ length: count }, () => []);
  for (const id of ids) byColumn[columns.get(id)!].push(id);
  const neighbours = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    neighbours.get(e.source)!.push(e.target);
    neighbours.get(e.target)!.push(e.source);
  }
  const row = new Map<string, number>();
  const number = () => byColumn.forEach((list) => list.forEach((id, i) => row.set(id, i)));
  number();
  const sweep = (columnList: number[], side: -1 | 1) => {
    for (const c of columnList) {
      const centre = new Map<string, number>();
      for (const id of byColumn[c]) {
        const near = neighbours.get(id)!.filter((n) => columns.get(n) === c + side);
        centre.set(id, near.length ? near.reduce((s, n) => s + row.get(n)!, 0) / near.length : row.get(id)!);
      }
      byColumn[c].sort((a, b) => centre.get(a)! - centre.get(b)! || row.get(a)! - row.get(b)!);
      byColumn[c].forEach((id, i) => row.set(id, i));
    }
  };
  const right = byColumn.map((_, c) => c);
  for (let pass = 0; pass < 3; pass++) {
    sweep(right.slice(1), -1);
    sweep(right.slice(0, -1).reverse(), 1);
  }
  return row;
}

export function layoutLineage<N extends LayoutNodeIn, E extends LayoutEdgeIn>(
  nodes: N[],
  edges: E[],
  options: LayoutOptions = DEFAULT_LAYOUT,
): Layout<N, E> {
  const ids = nodes.map((n) => n.id);
  const known = new Set(ids);
  const seen = new Set<string>();
  const kept = edges.filter((e) => {
    const key = `${e.source}\u0000${e.target}`;
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const { columns, back } = assignColumns(ids, kept);
  const rows = assignRows(ids, columns, kept.filter((e) => !back.has(e)));
  const columnCount = nodes.length ? Math.max(...columns.values()) + 1 : 0;
  const perColumn = new Array<number>(columnCount).fill(0);
  for (const id of ids) perColumn[columns.get(id)!]++;
  const tallest = Math.max(0, ...perColumn);
  const { nodeWidth, nodeHeight, columnGap, rowGap, padding } = options;
  const pitch = nodeHeight + rowGap;
  const placed = nodes.map((node) => {
    const column = columns.get(node.id)!;
    const row = rows.get(node.id)!;
    const offset = ((tallest - perColumn[column]) * pitch) / 2;
    return { node, column, row, x: padding + column * (nodeWidth + columnGap), y: padding + offset + row * pitch };
  });
  const at = new Map(placed.map((p) => [p.node.id, p]));
  const routed = kept.map((edge) => {
    const a = at.get(edge.source)!;
    const b = at.get(edge.target)!;
    const x1 = a.x + nodeWidth;
    const y1 = a.y + nodeHeight / 2;
    const x2 = b.x;
    const y2 = b.y + nodeHeight / 2;
    const bend = Math.max(columnGap / 2, Math.abs(x2 - x1) / 2);
    return { edge, path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`, back: back.has(edge) };
  });
  return {
    nodes: placed,
    edges: routed,
    width: columnCount ? 2 * padding + columnCount * nodeWidth + (columnCount - 1) * columnGap : 0,
    height: tallest ? 2 * padding + tallest * pitch - rowGap : 0,
    columns: columnCount,
  };
}
