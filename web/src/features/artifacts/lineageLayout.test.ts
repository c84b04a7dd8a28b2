import { describe, expect, it } from "vitest";
import { clip } from "./LineageGraph";
import { assignColumns, layoutLineage } from "./lineageLayout";

const node = (id: string, kind = id.includes(":") ? "artifact" : "run") => ({ id, kind });
const edge = (source: string, target: string) => ({ source, target });

// raw:v0 -> clean-run -> clean:v1 -> train-a -> model:v0
//                                  \-> train-b -> model:v1
const chain = {
  nodes: ["p/clean:v1", "raw-run", "p/raw:v0", "clean-run", "train-a", "train-b", "p/model:v0", "p/model:v1"].map((id) => node(id)),
  edges: [
    edge("raw-run", "p/raw:v0"),
    edge("p/raw:v0", "clean-run"),
    edge("clean-run", "p/clean:v1"),
    edge("p/clean:v1", "train-a"),
    edge("p/clean:v1", "train-b"),
    edge("train-a", "p/model:v0"),
    edge("train-b", "p/model:v1"),
  ],
};

function columnsOf(layout: ReturnType<typeof layoutLineage>) {
  return Object.fromEntries(layout.nodes.map((p) => [p.node.id, p.column]));
}

describe("layoutLineage", () => {
  it("puts upstream left and downstream right, one column per step of data flow", () => {
    const layout = layoutLineage(chain.nodes, chain.edges);
    expect(columnsOf(layout)).toEqual({
      "raw-run": 0,
      "p/raw:v0": 1,
      "clean-run": 2,
      "p/clean:v1": 3,
      "train-a": 4,
      "train-b": 4,
      "p/model:v0": 5,
      "p/model:v1": 5,
    });
    expect(layout.columns).toBe(6);
    for (const e of layout.edges) expect(e.back).toBe(false);
  });

  it("never overlaps two nodes, and keeps siblings in their parents' order", () => {
    const layout = layoutLineage(chain.nodes, chain.edges);
    const spots = new Set(layout.nodes.map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(chain.nodes.length);
    const y = Object.fromEntries(layout.nodes.map((p) => [p.node.id, p.y]));
    expect(Math.sign(y["train-a"] - y["train-b"])).toBe(Math.sign(y["p/model:v0"] - y["p/model:v1"]));
    for (const p of layout.nodes) {
      expect(p.x + 184).toBeLessThanOrEqual(layout.width);
      expect(p.y + 40).toBeLessThanOrEqual(layout.height);
    }
  });

  it("pulls a source next to its consumer instead of the far left", () => {
    // vocab:v0 is used only by the last run of a chain.
    const { columns } = assignColumns(
      ["a:v0", "r1", "b:v0", "r2", "c:v0", "vocab:v0"],
      [edge("a:v0", "r1"), edge("r1", "b:v0"), edge("b:v0", "r2"), edge("vocab:v0", "r2"), edge("r2", "c:v0")],
    );
    expect(columns.get("vocab:v0")).toBe(columns.get("r2")! - 1);
    expect(columns.get("a:v0")).toBe(0);
  });

  it("breaks a cycle with one back edge and still lays every node out", () => {
    // A run that used the version it produced.
    const layout = layoutLineage([node("run"), node("p/x:v0")], [edge("run", "p/x:v0"), edge("p/x:v0", "run")]);
    expect(layout.nodes).toHaveLength(2);
    expect(layout.edges.filter((e) => e.back)).toHaveLength(1);
    expect(new Set(layout.nodes.map((p) => p.column)).size).toBe(2);
  });

  it("ignores edges to unknown nodes and duplicates, and handles an empty graph", () => {
    const layout = layoutLineage([node("r"), node("p/a:v0")], [edge("r", "p/a:v0"), edge("r", "p/a:v0"), edge("r", "gone")]);
    expect(layout.edges).toHaveLength(1);
    expect(layoutLineage([], [])).toMatchObject({ nodes: [], edges: [], width: 0, height: 0 });
  });
});

describe("node labels", () => {
  it("keep the version when shortened", () => {
    expect(clip("student_data_cleaned:v1")).toBe("student_data_clean…:v1");
    expect(clip("short:v1")).toBe("short:v1");
    expect(clip("a-very-long-run-name-indeed")).toBe("a-very-long-run-name-…");
  });
});
