// A version's files as a collapsible tree, virtualised: 10,000 files scroll like 10.
import { useEffect, useMemo, useState } from "preact/hooks";
import { visibleRange } from "../../lib/virtual";
import { buildTree, flattenTree, initialOpen, type FileEntry } from "./fileTree";
import { formatBytes } from "./preview";

const ROW = 26;
const INDENT = 16;

export function FileTree(props: { entries: FileEntry[]; selected: string | null; onSelect: (path: string) => void; maxHeight?: number }) {
  const root = useMemo(() => buildTree(props.entries), [props.entries]);
  const [open, setOpen] = useState(() => initialOpen(root, props.selected));
  const [scrollTop, setScrollTop] = useState(0);
  useEffect(() => setOpen(initialOpen(root, props.selected)), [root]);
  const rows = useMemo(() => flattenTree(root, open), [root, open]);
  const height = Math.min(rows.length * ROW + 2, props.maxHeight ?? 520);
  const { start, end } = visibleRange(scrollTop, height, ROW, rows.length);

  const toggle = (path: string) => {
    const next = new Set(open);
    if (next.has(path)) next.delete(path);
    else next.add(path);
    setOpen(next);
  };

  return (
    <div
      class="file-tree"
      role="tree"
      aria-label={`Files (${root.files.toLocaleString()})`}
      style={{ height }}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div style={{ height: rows.length * ROW, position: "relative" }}>
        {rows.slice(start, end).map(({ node, depth }, i) => {
          const top = (start + i) * ROW;
          const isOpen = node.kind === "folder" && open.has(node.path);
          return (
            <button
              type="button"
              role="treeitem"
              key={node.path}
              aria-expanded={node.kind === "folder" ? isOpen : undefined}
              aria-selected={node.path === props.selected}
              class={`tree-row tree-${node.kind}${node.path === props.selected ? " current" : ""}`}
              style={{ top, height: ROW, paddingLeft: 6 + depth * INDENT }}
              title={node.path}
              onClick={() => (node.kind === "folder" ? toggle(node.path) : props.onSelect(node.path))}
            >
              <span class="tree-caret">{node.kind === "folder" ? (isOpen ? "▾" : "▸") : ""}</span>
              <span class="tree-name">{node.kind === "folder" ? `${node.name}/` : node.name}</span>
              <span class="tree-size">
                {node.kind === "folder" ? `${node.files.toLocaleString()} · ${formatBytes(node.size)}` : node.entry.ref ? "ref" : formatBytes(node.entry.size)}
              </span>
            </button>
          );
        })}
      </div>
    </div>
  );
}
