import { describe, expect, it } from "vitest";
import { EMPTY_VIEW, formatView, parseView, sortParam, toggleSort } from "./viewState";

describe("view state in the URL", () => {
  it("round-trips filter, sort, columns, selection, grouping, baseline and hidden runs", () => {
    const view = {
      filter: 'config.model = "rf" and summary.val_auc >= 0.8',
      sort: [
        { column: "summary.val_auc", descending: true },
        { column: "name", descending: false },
      ],
      columns: ["summary.val_auc", "config.model"],
      selected: ["a1", "b2"],
      group: "config.optimizer",
      baseline: "a1",
      hidden: ["c3"],
    };
    expect(parseView(formatView(view))).toEqual(view);
  });

  it("an empty view is an empty query string", () => {
    expect(formatView(EMPTY_VIEW)).toBe("");
    expect(parseView("")).toEqual(EMPTY_VIEW);
  });

  it("gives the API its order list", () => {
    expect(sortParam(parseView("?sort=-summary.acc,name").sort)).toEqual(["-summary.acc", "name"]);
  });
});

describe("sorting by header clicks", () => {
  it("cycles a column ascending, descending, off", () => {
    let sort = toggleSort([], "name", false);
    expect(sort).toEqual([{ column: "name", descending: false }]);
    sort = toggleSort(sort, "name", false);
    expect(sort).toEqual([{ column: "name", descending: true }]);
    expect(toggleSort(sort, "name", false)).toEqual([]);
  });

  it("adds keys with shift and keeps their rank", () => {
    let sort = toggleSort([], "summary.acc", false);
    sort = toggleSort(sort, "config.lr", true);
    sort = toggleSort(sort, "summary.acc", true);
    expect(sort).toEqual([
      { column: "summary.acc", descending: true },
      { column: "config.lr", descending: false },
    ]);
    expect(toggleSort(sort, "summary.acc", true)).toEqual([{ column: "config.lr", descending: false }]);
  });

  it("a plain click replaces a multi-key sort", () => {
    const sort = [
      { column: "a", descending: false },
      { column: "b", descending: false },
    ];
    expect(toggleSort(sort, "b", false)).toEqual([{ column: "b", descending: true }]);
  });
});
