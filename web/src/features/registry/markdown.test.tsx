import { cleanup, render } from "@testing-library/preact";
import { afterEach, describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref } from "./markdown";
import { Markdown } from "./Markdown";

afterEach(cleanup);

describe("parseMarkdown", () => {
  it("reads headings, paragraphs, lists and code blocks", () => {
    const blocks = parseMarkdown("# Title\n\nOne\nparagraph.\n\n- a\n- b\n  continued\n\n1. first\n2. second\n\n```python\nx = 1\n```\n");
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "list", "list", "code"]);
    expect(blocks[1]).toEqual({ kind: "paragraph", children: [{ kind: "text", text: "One paragraph." }] });
    expect(blocks[2]).toMatchObject({ ordered: false, items: [[{ text: "a" }], [{ text: "b continued" }]] });
    expect(blocks[3]).toMatchObject({ ordered: true });
    expect(blocks[4]).toEqual({ kind: "code", lang: "python", text: "x = 1" });
  });

  it("reads inline code, emphasis and links", () => {
    expect(parseInline("use `pip` **now** and *then* [docs](https://x.org)")).toEqual([
      { kind: "text", text: "use " },
      { kind: "code", text: "pip" },
      { kind: "text", text: " " },
      { kind: "strong", children: [{ kind: "text", text: "now" }] },
      { kind: "text", text: " and " },
      { kind: "em", children: [{ kind: "text", text: "then" }] },
      { kind: "text", text: " " },
      { kind: "link", href: "https://x.org", children: [{ kind: "text", text: "docs" }] },
    ]);
    expect(parseInline("snake_case_name")).toEqual([{ kind: "text", text: "snake_case_name" }]);
  });

  it("never follows script links", () => {
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,x")).toBeNull();
    expect(safeHref("/registry/m")).toBe("/registry/m");
    expect(parseInline("[x](javascript:alert(1))")[0]).toEqual({ kind: "text", text: "x" });
  });
});

describe("Markdown", () => {
  it("renders HTML in a card as text, not markup", () => {
    const { container } = render(<Markdown source={'# Card\n\n<img src=x onerror="alert(1)"> <script>alert(2)</script>'} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.textContent).toContain("<script>alert(2)</script>");
    expect(container.querySelector("h3")?.textContent).toBe("Card");
  });
});
