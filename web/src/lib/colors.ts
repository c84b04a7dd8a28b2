// One colour per run, the same in every view and every session: derived from the run's id,
// not from its position in a list that changes with sorting and filtering.
export const PALETTE = [
  "#2f6fdf", "#e8590c", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599",
  "#d9480f", "#5c940d", "#a61e4d", "#1864ab", "#862e9c", "#e67700",
];

export function runColor(runId: string): string {
  // FNV-1a: cheap, and spreads similar ids (run-1, run-2) over the palette.
  let hash = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    hash ^= runId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return PALETTE[(hash >>> 0) % PALETTE.length];
}
