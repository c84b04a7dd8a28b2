// Autocomplete for the filter bar: field names where a field can go, the values a field
// takes in the loaded runs after a comparison operator.
import type { Run } from "../../api/client";
import { cellValue } from "./columns";

export const ATTRIBUTE_FIELDS = ["name", "state", "tags", "group", "job_type", "created_at", "finished_at", "duration", "id", "notes"];
const OPERATORS = new Set(["=", "!=", "<", "<=", ">", ">=", "contains", "like", "in"]);

export interface Suggestions {
  /** The part of the text a chosen item replaces: [from, to). */
  from: number;
  to: number;
  items: string[];
}

function quote(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(String(value));
}

/** The token that ends at ``cursor`` and the two tokens before it. */
function tokensBefore(text: string, cursor: number): { word: string; start: number; previous: string[] } {
  const head = text.slice(0, cursor);
  const match = /[^\s()]*$/.exec(head)!;
  const before = head.slice(0, match.index).trim().split(/\s+/).filter(Boolean);
  return { word: match[0], start: match.index, previous: before.slice(-2) };
}

export function suggest(text: string, cursor: number, runs: Run[], fields: string[], limit = 12): Suggestions {
  const { word, start, previous } = tokensBefore(text, cursor);
  const [field, op] = previous;
  if (op && OPERATORS.has(op.toLowerCase()) && field) {
    // After `field op`: values of that field in the loaded runs, most frequent first.
    const counts = new Map<string, number>();
    const column = field === "tags" ? null : field;
    for (const run of runs.slice(0, 5000)) {
      const values = column === null ? run.tags : [cellValue(run, column)];
      for (const v of values) {
        if (v === undefined || v === null || typeof v === "object") continue;
        const q = quote(v);
        counts.set(q, (counts.get(q) ?? 0) + 1);
      }
    }
    const needle = word.replace(/^["']/, "").toLowerCase();
    const items = [...counts.entries()]
      .filter(([v]) => v.replace(/^"/, "").toLowerCase().startsWith(needle))
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([v]) => v);
    return { from: start, to: cursor, items };
  }
  const last = previous[previous.length - 1]?.toLowerCase();
  const fieldPlace = !last || ["and", "or", "not", "("].includes(last) || last.endsWith("(");
  if (!fieldPlace || !word) return { from: cursor, to: cursor, items: [] };
  const needle = word.toLowerCase();
  const all = [...ATTRIBUTE_FIELDS, ...fields];
  const items = [
    ...all.filter((f) => f.toLowerCase().startsWith(needle)),
    ...all.filter((f) => !f.toLowerCase().startsWith(needle) && f.toLowerCase().includes(needle)),
  ].slice(0, limit);
  return { from: start, to: cursor, items: items.length === 1 && items[0] === word ? [] : items };
}

/** The text with a suggestion put in place, and where the cursor goes after it. */
export function accept(text: string, s: Suggestions, item: string): { text: string; cursor: number } {
  const next = text.slice(0, s.from) + item + " " + text.slice(s.to).replace(/^\s+/, "");
  return { text: next, cursor: s.from + item.length + 1 };
}
