// Axis scales for the canvas plots (parallel coordinates, scatter): numbers map linearly
// (or on a log scale when they span decades), other values to evenly spaced categories.
import { formatValue } from "../components/format";

export interface Scale {
  /** Position in [0, 1] of a value; null when the value has no place on this axis. */
  at: (value: unknown) => number | null;
  ticks: { pos: number; label: string }[];
  kind: "linear" | "log" | "category";
}

export function makeScale(values: unknown[]): Scale {
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const others = values.filter((v) => v !== null && v !== undefined && !(typeof v === "number"));
  if (numbers.length && !others.length) {
    const lo = numbers.reduce((m, v) => Math.min(m, v), Infinity);
    const hi = numbers.reduce((m, v) => Math.max(m, v), -Infinity);
    const log = lo > 0 && hi / lo >= 100;
    const f = log ? Math.log10 : (x: number) => x;
    let a = f(lo);
    let b = f(hi);
    if (a === b) {
      a -= 0.5;
      b += 0.5;
    }
    const at = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && (!log || v > 0) ? (f(v) - a) / (b - a) : null);
    const ticks = Array.from({ length: 5 }, (_, i) => {
      const t = a + ((b - a) * i) / 4;
      const value = log ? Math.pow(10, t) : t;
      return { pos: i / 4, label: formatValue(+value.toPrecision(3)) };
    });
    return { at, ticks, kind: log ? "log" : "linear" };
  }
  const labels = [...new Set(values.filter((v) => v !== null && v !== undefined).map((v) => formatValue(v)))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const span = Math.max(1, labels.length - 1);
  return {
    at: (v) => {
      if (v === null || v === undefined) return null;
      const i = index.get(formatValue(v));
      return i === undefined ? null : labels.length === 1 ? 0.5 : i / span;
    },
    ticks: labels.slice(0, 30).map((l, i) => ({ pos: labels.length === 1 ? 0.5 : i / span, label: l })),
    kind: "category",
  };
}

/** A colour from blue (0) through purple to orange (1): the target metric's gradient. */
export function gradient(t: number): string {
  const c = Math.min(1, Math.max(0, t));
  const r = Math.round(47 + (240 - 47) * c);
  const g = Math.round(111 + (140 - 111) * c - 60 * Math.sin(Math.PI * c));
  const b = Math.round(223 + (0 - 223) * c);
  return `rgb(${r},${g},${b})`;
}

/** A canvas sized for the screen's pixel ratio, drawing in CSS pixels. */
export function prepareCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

export function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}
