// The runs around a version: the one that produced it and the ones that used it.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getVersionLineage, type ArtifactVersion, type LineageNode } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { runPath } from "../../lib/route";

export function producerAndConsumers(graph: { root: string; nodes: LineageNode[]; edges: { source: string; target: string; kind: string }[] }) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const producer = graph.edges.find((e) => e.kind === "output" && e.target === graph.root);
  const consumers = graph.edges.filter((e) => e.kind === "input" && e.source === graph.root).map((e) => byId.get(e.target));
  return {
    producer: producer ? byId.get(producer.source) ?? null : null,
    consumers: consumers.filter((n): n is LineageNode => n !== undefined && n.kind === "run"),
  };
}

function RunItem(props: { node: LineageNode }) {
  return (
    <li>
      <Link href={runPath(props.node.id)}>{props.node.label}</Link> <span class="muted mono">{props.node.id}</span>{" "}
      {props.node.state ? <span class={`state state-${props.node.state}`}>{props.node.state}</span> : null}
    </li>
  );
}

export function VersionRuns(props: { version: ArtifactVersion }) {
  const { version } = props;
  const [around, setAround] = useState<ReturnType<typeof producerAndConsumers> | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    setAround(null);
    getVersionLineage(version.project, version.name, version.version, 1).then(
      (g) => setAround(producerAndConsumers(g)),
      (e: ApiError) => setError(e),
    );
  }, [version.project, version.name, version.version]);

  if (error) return <Message kind="error" title="The runs around this version could not be loaded">{error.message}</Message>;
  return (
    <section class="section-box" aria-label="Runs">
      <h2>Produced by</h2>
      {!around ? <p class="loading">Loading…</p> : null}
      {around && around.producer ? (
        <ul class="run-list">
          <RunItem node={around.producer} />
        </ul>
      ) : null}
      {around && !around.producer ? <p class="muted">No run: this version was committed outside a run.</p> : null}
      <h2>Used by {around ? `(${around.consumers.length})` : ""}</h2>
      {around && around.consumers.length ? (
        <ul class="run-list">
          {around.consumers.map((n) => (
            <RunItem node={n} key={n.id} />
          ))}
        </ul>
      ) : null}
      {around && !around.consumers.length ? (
        <p class="muted">
          No run has used it yet (<code>run.use_artifact("{version.name}:v{version.version}")</code> records that).
        </p>
      ) : null}
    </section>
  );
}
