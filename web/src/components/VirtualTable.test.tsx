import { cleanup, fireEvent, render } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { VirtualTable, type Column } from "./VirtualTable";

interface Row { id: string; n: number }
const rows: Row[] = Array.from({ length: 10_000 }, (_, n) => ({ id: `r${n}`, n }));
const columns: Column<Row>[] = [
  { key: "n", title: "N", width: 100, sort: "none", render: (r) => String(r.n) },
];

afterEach(cleanup);

describe("VirtualTable", () => {
  it("renders only the rows in view of 10,000", () => {
    const { container } = render(
      <VirtualTable label="t" rows={rows} columns={columns} rowKey={(r) => r.id} height={320} />,
    );
    const shown = container.querySelectorAll(".vtable-row");
    expect(shown.length).toBeLessThan(40);
    expect(shown[0].textContent).toBe("0");
  });

  it("reports header clicks, with Shift for an added sort key", () => {
    const onSort = vi.fn();
    const { getByText } = render(
      <VirtualTable label="t" rows={rows} columns={columns} rowKey={(r) => r.id} height={320} onSort={onSort} />,
    );
    fireEvent.click(getByText("N"), { shiftKey: true });
    expect(onSort).toHaveBeenCalledWith("n", true);
  });

  it("opens the focused row with the keyboard", () => {
    const onOpen = vi.fn();
    const { getByRole } = render(
      <VirtualTable label="t" rows={rows} columns={columns} rowKey={(r) => r.id} height={320} onOpen={onOpen} />,
    );
    const grid = getByRole("grid");
    fireEvent.keyDown(grid, { key: "ArrowDown" });
    fireEvent.keyDown(grid, { key: "ArrowDown" });
    fireEvent.keyDown(grid, { key: "Enter" });
    expect(onOpen).toHaveBeenCalledWith(rows[1]);
  });
});
