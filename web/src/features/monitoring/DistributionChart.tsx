// Reference vs one window's distribution of a feature, as shares on shared bins: histogram
// bars for numbers, side-by-side bars for categories. Each bar explains itself on hover.
import { useElementWidth } from "../../charts/useElementWidth";
import { pct, type Bars } from "./transforms";

export const REFERENCE_COLOR = "#7c8db5";
export const CURRENT_COLOR = "#e8590c";

const PAD = { left: 48, right: 12, top: 10, bottom: 46 };

function niceMax(v: number): number {
  if (v <= 0) return 0.1;
  const steps = [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1];
  return steps.find((s) => s >= v * 1.05) ?? 1;
}

export function DistributionChart(props: { bars: Bars; height?: number; label: string }) {
  const [ref, width] = useElementWidth<HTMLDivElement>(520, 280);
  const { bars } = props;
  const height = props.height ?? 240;
  const n = bars.labels.length;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const top = niceMax(Math.max(...bars.reference, ...bars.current));
  const y = (share: number) => PAD.top + plotH * (1 - share / top);
  const slot = plotW / Math.max(1, n);
  const ticks = [0, top / 2, top];
  const categorical = bars.kind === "categorical";
  const every = categorical ? Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 70)))) : Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 60))));

  return (
    <div ref={ref} class="mon-dist">
      <div class="mon-legend">
        <span>
          <span class="run-dot" style={{ background: REFERENCE_COLOR }} /> Reference data ({bars.nReference.toLocaleString("en")} values)
        </span>
        <span>
          <span class="run-dot" style={{ background: CURRENT_COLOR }} /> This window ({bars.nCurrent.toLocaleString("en")} values)
        </span>
      </div>
      <svg width={width} height={height} role="img" aria-label={props.label} class="mon-dist-svg">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={width - PAD.right} y1={y(t)} y2={y(t)} class="mon-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end" class="mon-axis">
              {pct(t)}
            </text>
          </g>
        ))}
        {bars.labels.map((label, i) => {
          const x = PAD.left + i * slot;
          const ref0 = bars.reference[i];
          const cur = bars.current[i];
          const title = `${label}\nreference: ${pct(ref0)} (${bars.referenceCounts[i].toLocaleString("en")})\nthis window: ${pct(cur)} (${bars.currentCounts[i].toLocaleString("en")})`;
          if (categorical) {
            const w = Math.max(2, Math.min(28, slot * 0.36));
            const mid = x + slot / 2;
            return (
              <g key={i} data-category={label}>
                <title>{title}</title>
                <rect x={x} y={PAD.top} width={slot} height={plotH} fill="transparent" />
                <rect x={mid - w - 1} y={y(ref0)} width={w} height={Math.max(0, PAD.top + plotH - y(ref0))} fill={REFERENCE_COLOR} />
                <rect x={mid + 1} y={y(cur)} width={w} height={Math.max(0, PAD.top + plotH - y(cur))} fill={CURRENT_COLOR} />
                {i % every === 0 ? (
                  <text x={mid} y={PAD.top + plotH + 16} text-anchor="middle" class={`mon-axis${ref0 === 0 && cur > 0 ? " mon-new" : ""}`}>
                    {label.length > 14 ? `${label.slice(0, 13)}…` : label}
                  </text>
                ) : null}
                {ref0 === 0 && cur > 0 ? (
                  <text x={mid} y={PAD.top + plotH + 30} text-anchor="middle" class="mon-axis mon-new">
                    new
                  </text>
                ) : null}
              </g>
            );
          }
          const w = Math.max(1, slot - (slot > 6 ? 1 : 0));
          return (
            <g key={i}>
              <title>{title}</title>
              <rect x={x} y={PAD.top} width={slot} height={plotH} fill="transparent" />
              <rect x={x} y={y(ref0)} width={w} height={Math.max(0, PAD.top + plotH - y(ref0))} fill={REFERENCE_COLOR} opacity={0.75} />
              <rect x={x} y={y(cur)} width={w} height={Math.max(0, PAD.top + plotH - y(cur))} fill={CURRENT_COLOR} opacity={0.55} />
            </g>
          );
        })}
        {!categorical && bars.edges
          ? bars.edges.map((e, i) =>
              i % every === 0 ? (
                <text key={i} x={PAD.left + i * slot} y={PAD.top + plotH + 16} text-anchor="middle" class="mon-axis">
                  {Math.abs(e) >= 100 ? e.toFixed(0) : Math.abs(e) >= 10 ? e.toFixed(1) : +e.toPrecision(2)}
                </text>
              ) : null,
            )
          : null}
        <line x1={PAD.left} x2={width - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} class="mon-baseline" />
      </svg>
    </div>
  );
}
