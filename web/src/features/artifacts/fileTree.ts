// A version's manifest as a folder tree, and the rows of that tree with some folders open.

export interface FileEntry {
  path: string;
  size: number;
  ref?: string | null;
}

export interface TreeFolder {
  kind: "folder";
  name: string;
  path: string;
  children: TreeNode[];
  size: number;
  files: number;
}

export interface TreeFile {
  kind: "file";
  name: string;
  path: string;
  entry: FileEntry;
}

export type TreeNode = TreeFolder | TreeFile;

export interface TreeRow {
  node: TreeNode;
  depth: number;
}

/** Folders first, then files, each by name; every folder knows its total size and count. */
export function buildTree(entries: FileEntry[]): TreeFolder {
  const root: TreeFolder = { kind: "folder", name: "", path: "", children: [], size: 0, files: 0 };
  const folders = new Map<string, TreeFolder>([["", root]]);
  const folderOf = (path: string): TreeFolder => {
    const found = folders.get(path);
    if (found) return found;
    const cut = path.lastIndexOf("/");
    const parent = folderOf(cut < 0 ? "" : path.slice(0, cut));
    const made: TreeFolder = { kind: "folder", name: path.slice(cut + 1), path, children: [], size: 0, files: 0 };
    parent.children.push(made);
    folders.set(path, made);
    return made;
  };
  for (const entry of entries) {
    const cut = entry.path.lastIndexOf("/");
    const folder = folderOf(cut < 0 ? "" : entry.path.slice(0, cut));
    folder.children.push({ kind: "file", name: entry.path.slice(cut + 1), path: entry.path, entry });
    for (let up = folder.path; ; up = up.slice(0, Math.max(0, up.lastIndexOf("/")))) {
      const counted = folders.get(up)!;
      counted.size += entry.size;
      counted.files += 1;
      if (!up) break;
    }
  }
  const sort = (folder: TreeFolder) => {
    folder.children.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "folder" ? -1 : 1));
    for (const child of folder.children) if (child.kind === "folder") sort(child);
  };
  sort(root);
  return root;
}

/** The visible rows: a folder's children show only while the folder is open. */
export function flattenTree(root: TreeFolder, open: Set<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (folder: TreeFolder, depth: number) => {
    for (const node of folder.children) {
      rows.push({ node, depth });
      if (node.kind === "folder" && open.has(node.path)) walk(node, depth + 1);
    }
  };
  walk(root, 0);
  return rows;
}

/** Folders open at first: all of them in a small version, else those leading to ``selected``. */
export function initialOpen(root: TreeFolder, selected: string | null, smallVersion = 200): Set<string> {
  const open = new Set<string>();
  if (root.files <= smallVersion) {
    const all = (folder: TreeFolder) => {
      for (const child of folder.children)
        if (child.kind === "folder") {
          open.add(child.path);
          all(child);
        }
    };
    all(root);
  }
  if (selected) {
    const parts = selected.split("/");
    for (let i = 1; i < parts.length; i++) open.add(parts.slice(0, i).join("/"));
  }
  return open;
}
