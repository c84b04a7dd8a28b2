import type { ComponentChildren } from "preact";

/** An error or notice in the page: never a blank screen. */
export function Message(props: { kind: "error" | "info"; title: string; children?: ComponentChildren }) {
  return (
    <div class={`message message-${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      <strong>{props.title}</strong>
      {props.children ? <div class="message-body">{props.children}</div> : null}
    </div>
  );
}
