// Renders parsed markdown as elements: text is always text, never markup.
import { useMemo } from "preact/hooks";
import { parseMarkdown, type Block, type Inline } from "./markdown";

function Inlines(props: { nodes: Inline[] }) {
  return (
    <>
      {props.nodes.map((node, i) => {
        if (node.kind === "text") return node.text;
        if (node.kind === "code") return <code key={i}>{node.text}</code>;
        if (node.kind === "strong") return <strong key={i}><Inlines nodes={node.children} /></strong>;
        if (node.kind === "em") return <em key={i}><Inlines nodes={node.children} /></em>;
        const external = /^(https?:|mailto:)/i.test(node.href);
        return (
          <a key={i} href={node.href} {...(external ? { target: "_blank", rel: "noopener noreferrer" } : {})}>
            <Inlines nodes={node.children} />
          </a>
        );
      })}
    </>
  );
}

function BlockView(props: { block: Block }) {
  const { block } = props;
  switch (block.kind) {
    case "heading": {
      // A card's headings sit under the page's own h1/h2.
      const Tag = `h${Math.min(6, block.level + 2)}` as "h3";
      return <Tag class="md-heading"><Inlines nodes={block.children} /></Tag>;
    }
    case "paragraph":
      return <p><Inlines nodes={block.children} /></p>;
    case "list": {
      const items = block.items.map((item, i) => <li key={i}><Inlines nodes={item} /></li>);
      return block.ordered ? <ol>{items}</ol> : <ul>{items}</ul>;
    }
    case "code":
      return <pre class="code" data-lang={block.lang || undefined}><code>{block.text}</code></pre>;
    case "quote":
      return <blockquote><Inlines nodes={block.children} /></blockquote>;
    case "rule":
      return <hr />;
  }
}

export function Markdown(props: { source: string; class?: string }) {
  const blocks = useMemo(() => parseMarkdown(props.source), [props.source]);
  return (
    <div class={`markdown ${props.class ?? ""}`}>
      {blocks.map((block, i) => (
        <BlockView block={block} key={i} />
      ))}
    </div>
  );
}
