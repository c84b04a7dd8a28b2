import { cleanup, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { KeyValueTags } from "./Overview";

afterEach(cleanup);

describe("KeyValueTags", () => {
  it("lists the user's tags before the ones tools set", () => {
    const { container } = render(<KeyValueTags tags={{ "mlflow.user": "ana", team: "edu", cohort: "2026" }} />);
    const keys = [...container.querySelectorAll("th")].map((th) => th.textContent);
    expect(keys).toEqual(["cohort", "team", "mlflow.user"]);
    expect(container.querySelector("h2")?.textContent).toBe("Key-value tags");
  });

  it("renders nothing without tags", () => {
    const { container } = render(<KeyValueTags tags={{}} />);
    expect(container.innerHTML).toBe("");
  });
});
