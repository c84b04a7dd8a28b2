import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ImportancePanel } from "./Analysis";
import { ProgressBar } from "./ProgressBar";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the progress bar", () => {
  it("draws each state's share of the planned trials and says the numbers", () => {
    const { getByRole } = render(<ProgressBar sweep={{ counts: { finished: 10, pruned: 5, running: 2 }, total: 17, run_cap: 40, space_size: null }} />);
    const group = getByRole("group", { name: "Progress" });
    expect(group.textContent).toContain("17 of 40 trials");
    expect(group.textContent).toContain("10 finished");
    expect(group.textContent).toContain("5 pruned");
    expect(group.textContent).toContain("0 failed");
    const parts = [...group.querySelectorAll<HTMLElement>(".sw-bar-part")];
    expect(parts.map((p) => p.style.width)).toEqual(["25%", "12.5%", "5%"]);
  });

  it("fits in a table cell with the count as n/planned", () => {
    const { getByRole } = render(<ProgressBar sweep={{ counts: { finished: 12 }, total: 12, run_cap: 12, space_size: null }} compact />);
    const group = getByRole("group", { name: "Progress" });
    expect(group.textContent).toBe("12/12");
    expect(group.getAttribute("title")).toContain("12 of 12 trials: 12 finished");
  });
});

describe("the importance panel", () => {
  it("asks for fANOVA first, switches to random forest, and scales the bars to the largest", async () => {
    const asked: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        asked.push(url);
        const method = new URL(url, "http://x").searchParams.get("method");
        const params = method === "fanova" ? [{ param: "lr", importance: 0.8 }, { param: "x", importance: 0.2 }] : [{ param: "x", importance: 0.6 }, { param: "lr", importance: 0.4 }];
        return new Response(JSON.stringify({ metric: "loss", method, trials: 9, params }), { status: 200 });
      }),
    );
    const { getByRole, findByRole } = render(<ImportancePanel sweepId="s1" metric={{ name: "loss", goal: "minimize", target: null }} version={1} />);
    const table = await findByRole("table", { name: "Parameter importance for loss" });
    expect(asked[0]).toBe("/api/v1/sweeps/s1/importance?metric=loss&method=fanova");
    expect(table.textContent).toContain("fANOVA, from 9 finished trials");
    const widths = () => [...table.querySelectorAll<HTMLElement>(".bar")].map((b) => b.style.width);
    expect(widths()).toEqual(["70%", "17.5%"]);
    fireEvent.click(getByRole("radio", { name: "Random forest" }));
    await waitFor(() => expect(table.textContent).toContain("Random forest, from 9 finished trials"));
    expect(asked[1]).toBe("/api/v1/sweeps/s1/importance?metric=loss&method=random_forest");
    expect(table.querySelector("tbody tr")?.textContent).toContain("60.0%");
  });
});
