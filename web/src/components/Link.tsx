import type { ComponentChildren } from "preact";
import { onLinkClick } from "../lib/route";

export function Link(props: { href: string; children: ComponentChildren; class?: string }) {
  return (
    <a href={props.href} class={props.class} onClick={(e) => onLinkClick(e, props.href)}>
      {props.children}
    </a>
  );
}
