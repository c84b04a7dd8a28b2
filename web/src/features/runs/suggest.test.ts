import { describe, expect, it } from "vitest";
import type { Run } from "../../api/client";
import { accept, suggest } from "./suggest";

const runs = [
  { id: "a", name: "a", state: "finished", tags: ["baseline"], config: { optimizer: "adam" }, summary: {} },
  { id: "b", name: "b", state: "failed", tags: [], config: { optimizer: "adam" }, summary: {} },
  { id: "c", name: "c", state: "finished", tags: [], config: { optimizer: "sgd" }, summary: {} },
] as unknown as Run[];
const fields = ["config.optimizer", "summary.val/auc"];

describe("filter autocomplete", () => {
  it("completes field names where a field goes", () => {
    expect(suggest("conf", 4, runs, fields).items).toEqual(["config.optimizer"]);
    expect(suggest("state = \"x\" and sum", 20, runs, fields).items).toEqual(["summary.val/auc"]);
  });

  it("completes values after an operator, most frequent first", () => {
    const text = "config.optimizer = ";
    expect(suggest(text, text.length, runs, fields).items).toEqual(['"adam"', '"sgd"']);
    expect(suggest("state = \"fa", 11, runs, fields).items).toEqual(['"failed"']);
    expect(suggest("tags contains ", 14, runs, fields).items).toEqual(['"baseline"']);
  });

  it("puts the chosen item in place of the typed word", () => {
    const s = suggest("state = \"fa", 11, runs, fields);
    expect(accept("state = \"fa", s, s.items[0])).toEqual({ text: 'state = "failed" ', cursor: 17 });
  });

  it("offers nothing after a value", () => {
    expect(suggest('state = "failed" ', 17, runs, fields).items).toEqual([]);
  });
});
