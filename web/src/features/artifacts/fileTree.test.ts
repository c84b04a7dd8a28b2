import { describe, expect, it } from "vitest";
import { buildTree, flattenTree, initialOpen } from "./fileTree";
import { decodeText, formatBytes, looksBinary, previewKind } from "./preview";

const entries = [
  { path: "students.csv", size: 100 },
  { path: "splits/val.csv", size: 20 },
  { path: "splits/train.csv", size: 80 },
  { path: "splits/deep/x.json", size: 5 },
  { path: "README.md", size: 10 },
];

describe("file tree", () => {
  it("nests folders first, counts files and sizes per folder", () => {
    const root = buildTree(entries);
    expect(root.files).toBe(5);
    expect(root.size).toBe(215);
    expect(root.children.map((c) => c.name)).toEqual(["splits", "README.md", "students.csv"]);
    const splits = root.children[0];
    expect(splits).toMatchObject({ kind: "folder", files: 3, size: 105 });
  });

  it("shows a folder's children only while it is open", () => {
    const root = buildTree(entries);
    expect(flattenTree(root, new Set()).map((r) => r.node.path)).toEqual(["splits", "README.md", "students.csv"]);
    const rows = flattenTree(root, new Set(["splits"]));
    expect(rows.map((r) => [r.node.path, r.depth])).toEqual([
      ["splits", 0],
      ["splits/deep", 1],
      ["splits/train.csv", 1],
      ["splits/val.csv", 1],
      ["README.md", 0],
      ["students.csv", 0],
    ]);
  });

  it("opens everything in a small version, only the selected file's folders in a big one", () => {
    const root = buildTree(entries);
    expect(initialOpen(root, null)).toEqual(new Set(["splits", "splits/deep"]));
    expect(initialOpen(root, "splits/deep/x.json", 2)).toEqual(new Set(["splits", "splits/deep"]));
    expect(initialOpen(root, "students.csv", 2)).toEqual(new Set());
  });
});

describe("previews", () => {
  it("chooses the preview from the file name", () => {
    expect(previewKind("a/b.CSV")).toBe("table");
    expect(previewKind("t.parquet")).toBe("table");
    expect(previewKind("m.json")).toBe("json");
    expect(previewKind("plots/roc.png")).toBe("image");
    expect(previewKind("README")).toBe("text");
    expect(previewKind(".env")).toBe("text");
  });

  it("detects binary content and trims a cut character", () => {
    expect(looksBinary(new Uint8Array([65, 0, 66]))).toBe(true);
    expect(looksBinary(new TextEncoder().encode("plain text"))).toBe(false);
    const bytes = new TextEncoder().encode("né");
    expect(decodeText(bytes.slice(0, 2), true)).toBe("n");
  });

  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GiB");
  });
});
