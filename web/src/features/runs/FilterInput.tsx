// The filter bar's input: the API's expression language with completion of field names
// and of the values fields take in the loaded runs. Arrow keys move, Tab or Enter takes a
// suggestion, Escape closes the list; Enter with no list open applies the filter.
import { useRef, useState } from "preact/hooks";
import type { Run } from "../../api/client";
import { accept, suggest, type Suggestions } from "./suggest";

export function FilterInput(props: {
  value: string;
  onInput: (text: string) => void;
  onApply: () => void;
  runs: Run[];
  fields: string[];
}) {
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState<Suggestions | null>(null);
  const [active, setActive] = useState(0);

  const refresh = (text: string, cursor: number) => {
    const s = suggest(text, cursor, props.runs, props.fields);
    setOpen(s.items.length ? s : null);
    setActive(0);
  };

  const take = (item: string) => {
    if (!open) return;
    const next = accept(props.value, open, item);
    // Put the text and the cursor in the element now, not after the next paint: keys
    // typed meanwhile would otherwise land at the end and then be overtaken by a late
    // cursor move (`config.optimizer "sg= ` instead of `config.optimizer = "sg`).
    const el = input.current;
    if (el) {
      el.value = next.text;
      el.focus();
      el.setSelectionRange(next.cursor, next.cursor);
    }
    props.onInput(next.text);
    setOpen(null);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!open) return;
    if (e.key === "ArrowDown") setActive((a) => Math.min(open.items.length - 1, a + 1));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(0, a - 1));
    else if (e.key === "Tab" || (e.key === "Enter" && open.items.length)) take(open.items[active]);
    else if (e.key === "Escape") setOpen(null);
    else return;
    e.preventDefault();
  };

  return (
    <div class="filter-input">
      <input
        ref={input}
        type="search"
        role="combobox"
        aria-expanded={open !== null}
        aria-controls="filter-suggestions"
        aria-autocomplete="list"
        aria-label="Filter runs"
        placeholder='Filter, e.g. config.optimizer = "adam" and summary.val/auc >= 0.8'
        value={props.value}
        spellcheck={false}
        autocomplete="off"
        onInput={(e) => {
          const el = e.target as HTMLInputElement;
          props.onInput(el.value);
          refresh(el.value, el.selectionStart ?? el.value.length);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOpen(null), 150)}
      />
      {open ? (
        <ul class="suggestions" id="filter-suggestions" role="listbox">
          {open.items.map((item, i) => (
            <li
              key={item}
              role="option"
              aria-selected={i === active}
              class={i === active ? "active" : ""}
              onMouseDown={(e) => {
                e.preventDefault();
                take(item);
              }}
            >
              {item}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
