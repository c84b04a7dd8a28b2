// The run's console output: every line, virtualised, searchable, with timestamps; a live
// run's new lines arrive as they are logged.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, getConsole, type ConsoleLine } from "../../api/client";
import { Message } from "../../components/Message";
import { visibleRange } from "../../lib/virtual";

const PAGE = 10_000;
const LINE_HEIGHT = 20;

export function useConsole(runId: string, tick: number) {
  const [lines, setLines] = useState<ConsoleLine[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState(false);
  const loaded = useRef<ConsoleLine[]>([]);

  useEffect(() => {
    loaded.current = [];
    setLines([]);
    setDone(false);
  }, [runId]);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      for (;;) {
        const page = await getConsole(runId, loaded.current.length, PAGE);
        if (cancelled) return;
        if (page.length) {
          loaded.current = [...loaded.current, ...page];
          setLines(loaded.current);
        }
        if (page.length < PAGE) break;
      }
      setDone(true);
    })().catch((e: unknown) => {
      if (!cancelled) setError(e instanceof ApiError ? e : new ApiError(0, "client", String(e)));
    });
    return () => {
      cancelled = true;
    };
  }, [runId, tick]);
  return { lines, error, done };
}

function clock(time: number): string {
  const d = new Date(time * 1000);
  return d.toLocaleTimeString(undefined, { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

export function ConsoleView(props: { runId: string; tick: number; live: boolean }) {
  const { lines, error, done } = useConsole(props.runId, props.tick);
  const [find, setFind] = useState("");
  const [times, setTimes] = useState(true);
  const [follow, setFollow] = useState(props.live);
  const [scrollTop, setScrollTop] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const height = Math.max(240, window.innerHeight - 260);

  const needle = find.trim().toLowerCase();
  const shown = useMemo(() => {
    const out: number[] = [];
    lines.forEach((line, i) => {
      if (!needle || line.text.toLowerCase().includes(needle)) out.push(i);
    });
    return out;
  }, [lines, needle]);

  useLayoutEffect(() => {
    if (follow && scroller.current) scroller.current.scrollTop = scroller.current.scrollHeight;
  }, [shown.length, follow]);

  const { start, end } = visibleRange(scrollTop, height, LINE_HEIGHT, shown.length, 20);

  if (error) return <Message kind="error" title="The console could not be loaded">{error.message}</Message>;
  if (done && !lines.length)
    return <p class="muted">This run printed nothing. Output written with print() or logging while a run is active shows up here.</p>;

  return (
    <div class="console">
      <div class="console-tools">
        <input type="search" aria-label="Search the console" placeholder="Search the output" value={find} onInput={(e) => setFind((e.target as HTMLInputElement).value)} />
        <label>
          <input type="checkbox" checked={times} onChange={(e) => setTimes((e.target as HTMLInputElement).checked)} /> Timestamps
        </label>
        {props.live ? (
          <label>
            <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow new lines
          </label>
        ) : null}
        <span class="muted" aria-live="polite">
          {needle ? `${shown.length.toLocaleString()} of ${lines.length.toLocaleString()} lines match` : `${lines.length.toLocaleString()} lines`}
          {done ? "" : " (loading…)"}
        </span>
      </div>
      <div
        class="console-body"
        ref={scroller}
        style={{ height }}
        role="log"
        aria-label="Console output"
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      >
        <div style={{ height: shown.length * LINE_HEIGHT, position: "relative" }}>
          {shown.slice(start, end).map((index, i) => {
            const line = lines[index];
            return (
              <div class={`console-line stream-${line.stream}`} key={index} style={{ top: (start + i) * LINE_HEIGHT }}>
                <span class="console-no">{index + 1}</span>
                {times ? <span class="console-time">{clock(line.time)}</span> : null}
                <span class="console-text">{highlight(line.text, needle)}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function highlight(text: string, needle: string) {
  if (!needle) return text;
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) return text;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + needle.length)}</mark>
      {text.slice(at + needle.length)}
    </>
  );
}
