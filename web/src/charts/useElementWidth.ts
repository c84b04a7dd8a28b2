import { useEffect, useRef, useState } from "preact/hooks";

/** A ref to put on an element and its current width in CSS pixels (at least ``min``). */
export function useElementWidth<T extends HTMLElement>(initial: number, min = 300) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const resize = new ResizeObserver(() => setWidth(Math.max(min, el.clientWidth)));
    resize.observe(el);
    return () => resize.disconnect();
  }, []);
  return [ref, width] as const;
}
