// The lineage graph: runs (pills) and artifact versions (boxes) left to right in the
// direction data flows. Hovering a node highlights what it is connected to; clicking opens
// it. LineagePanel adds the depth and direction pickers and loads the graph.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { ApiError, Lineage, LineageDirection, LineageEdge, LineageNode } from "../../api/client";
import { Message } from "../../components/Message";
import { useElementWidth } from "../../charts/useElementWidth";
import { onLinkClick, parseVersionRef, runPath, versionPath } from "../../lib/route";
import { DEFAULT_LAYOUT, layoutLineage } from "./lineageLayout";
import "./artifacts.css";

const { nodeWidth: W, nodeHeight: H } = DEFAULT_LAYOUT;
const MAX_LABEL = 22;
/** A graph up to this much wider than its box is scaled down to fit; a wider one scrolls. */
const SHRINK_TO_FIT = 1.4;
let graphs = 0;

export function nodeHref(node: LineageNode): string | null {
  if (node.kind === "run") return runPath(node.id);
  const ref = parseVersionRef(node.id);
  return ref ? versionPath(ref.project, ref.name, ref.version) : null;
}

/** Shorten a label to ``max`` characters, keeping a version suffix (":v12") readable. */
export function clip(text: string, max = MAX_LABEL): string {
  if (text.length <= max) return text;
  const suffix = /:v\d+$/.exec(text)?.[0] ?? "";
  return `${text.slice(0, max - 1 - suffix.length)}…${suffix}`;
}

function nodeClass(node: LineageNode, root: string): string {
  const kind = node.kind === "run" ? "lineage-run" : `lineage-artifact lineage-type-${node.type === "model" || node.type === "dataset" ? node.type : "other"}`;
  return `lineage-node ${kind}${node.id === root ? " lineage-root" : ""}${node.state === "deleted" ? " lineage-deleted" : ""}`;
}

export function LineageGraph(props: { graph: Lineage }) {
  const { graph } = props;
  const layout = useMemo(() => layoutLineage<LineageNode, LineageEdge>(graph.nodes, graph.edges), [graph]);
  const [hovered, setHovered] = useState<string | null>(null);
  const marker = useMemo(() => `lineage-arrow-${++graphs}`, []);
  const [box, boxWidth] = useElementWidth<HTMLDivElement>(1200, 200);
  const scale = layout.width > boxWidth && layout.width <= boxWidth * SHRINK_TO_FIT ? boxWidth / layout.width : 1;
  const near = useMemo(() => {
    if (!hovered) return null;
    const ids = new Set([hovered]);
    for (const e of graph.edges) {
      if (e.source === hovered) ids.add(e.target);
      if (e.target === hovered) ids.add(e.source);
    }
    return ids;
  }, [hovered, graph]);

  return (
    <div class="lineage-scroll" ref={box}>
      <svg
        class="lineage-graph"
        width={layout.width * scale}
        height={layout.height * scale}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`Lineage graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges`}
      >
        <defs>
          <marker id={marker} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="lineage-arrowhead" />
          </marker>
        </defs>
        {layout.edges.map(({ edge, path, back }) => {
          const lit = hovered !== null && (edge.source === hovered || edge.target === hovered);
          return (
            <path
              key={`${edge.source}>${edge.target}`}
              d={path}
              class={`lineage-edge lineage-edge-${edge.kind}${back ? " lineage-back" : ""}${lit ? " lit" : ""}${near && !lit ? " dim" : ""}`}
              marker-end={`url(#${marker})`}
            >
              <title>{edge.kind === "input" ? "used by" : "produced"}</title>
            </path>
          );
        })}
        {layout.nodes.map(({ node, x, y }) => {
          const href = nodeHref(node);
          const sub = node.kind === "run" ? `run${node.state ? ` · ${node.state}` : ""}` : `${node.type ?? "artifact"}${node.state === "deleted" ? " · deleted" : ""}`;
          const shape = (
            <>
              <rect width={W} height={H} rx={node.kind === "run" ? H / 2 : 4} class="lineage-shape" />
              {node.kind === "artifact" ? <rect width={6} height={H} rx={2} class="lineage-stripe" /> : null}
              <text x={node.kind === "run" ? 18 : 14} y={17} class="lineage-label">{clip(node.label)}</text>
              <text x={node.kind === "run" ? 18 : 14} y={32} class="lineage-sub">{clip(sub, 30)}</text>
              <title>{`${node.kind === "run" ? "Run" : "Version"} ${node.label}${node.kind === "run" ? ` (${node.id})` : ""} — click to open`}</title>
            </>
          );
          return (
            <g
              key={node.id}
              transform={`translate(${x},${y})`}
              class={`${nodeClass(node, graph.root)}${near && !near.has(node.id) ? " dim" : ""}${hovered === node.id ? " hovered" : ""}`}
              data-node-id={node.id}
              onMouseEnter={() => setHovered(node.id)}
              onMouseLeave={() => setHovered(null)}
            >
              {href ? (
                <a href={href} aria-label={`Open ${node.kind === "run" ? "run" : "version"} ${node.label}`} onClick={(e) => onLinkClick(e as unknown as MouseEvent, href)}>
                  {shape}
                </a>
              ) : (
                shape
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

const DEPTHS = [1, 2, 3, 4, 6, 10];

/** A lineage graph with depth and direction pickers; ``load`` fetches it from the server. */
export function LineagePanel(props: { load: (depth: number, direction: LineageDirection) => Promise<Lineage>; what: string }) {
  const [depth, setDepth] = useState(2);
  const [direction, setDirection] = useState<LineageDirection>("both");
  const [graph, setGraph] = useState<Lineage | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    props.load(depth, direction).then(
      (g) => live && setGraph(g),
      (e: ApiError) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [props.load, depth, direction]);

  const runs = graph?.nodes.filter((n) => n.kind === "run").length ?? 0;
  const versions = (graph?.nodes.length ?? 0) - runs;
  return (
    <section class="lineage-panel">
      <div class="section-tools">
        <label>
          Depth{" "}
          <select aria-label="Lineage depth" value={depth} onChange={(e) => setDepth(Number((e.target as HTMLSelectElement).value))}>
            {DEPTHS.map((d) => (
              <option value={d} key={d}>
                {d} {d === 1 ? "step" : "steps"}
              </option>
            ))}
          </select>
        </label>
        <select aria-label="Lineage direction" value={direction} onChange={(e) => setDirection((e.target as HTMLSelectElement).value as LineageDirection)}>
          <option value="both">Upstream and downstream</option>
          <option value="upstream">Upstream only (what it came from)</option>
          <option value="downstream">Downstream only (what used it)</option>
        </select>
        {graph ? (
          <span class="muted" aria-live="polite">
            {runs} {runs === 1 ? "run" : "runs"}, {versions} {versions === 1 ? "version" : "versions"}
          </span>
        ) : null}
        <span class="lineage-legend muted">
          <span class="legend-run" /> run <span class="legend-artifact" /> artifact version · data flows left to right · click a node to open it
        </span>
      </div>
      {error ? <Message kind="error" title="The lineage could not be loaded">{error.message}</Message> : null}
      {!graph && !error ? <p class="loading">Loading lineage…</p> : null}
      {graph && graph.nodes.length <= 1 ? (
        <p class="muted">Nothing is connected to {props.what} yet: lineage appears when runs use artifacts (<code>run.use_artifact</code>) and log them (<code>run.log_artifact</code>).</p>
      ) : null}
      {graph && graph.nodes.length > 1 ? <LineageGraph graph={graph} /> : null}
    </section>
  );
}
