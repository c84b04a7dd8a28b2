// One prediction's explanation as a chart: every input's push on the score (its SHAP value)
// as a horizontal bar from a zero line, up (raises the risk) to the right, down to the left.
// The chart is a table (input, value, bar, number per row) so a screen reader reads it as
// one; the bars are decoration.
import { useMemo } from "preact/hooks";
import type { Contribution } from "./api";
import { contributionBars, signed, valueText } from "./explanations";

/** Every input's push on one prediction's score as horizontal bars from a zero line: up
 * (raises the risk) to the right, down to the left, largest push first. */
export function ContributionChart(props: { id: string; contributions: Contribution[]; binary: boolean }) {
  const bars = useMemo(() => contributionBars(props.contributions), [props.contributions]);
  const up = props.binary ? "raises the risk" : "raises the prediction";
  const down = props.binary ? "lowers the risk" : "lowers the prediction";
  return (
    <>
      <div class="mon-legend">
        <span>
          <span class="mon-swatch expl-up-bg" /> {up}
        </span>
        <span>
          <span class="mon-swatch expl-down-bg" /> {down}
        </span>
        <span>largest push first</span>
      </div>
      <table class="expl-bars" aria-label={`What pushed the score of ${props.id} up or down`}>
        <thead>
          <tr>
            <th scope="col">Input</th>
            <th scope="col">Value</th>
            <th scope="col">
              <div class="expl-bar-head">
                <span>← {down}</span>
                <span>{up} →</span>
              </div>
            </th>
            <th scope="col" class="num">Push</th>
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={b.feature} data-feature={b.feature} data-direction={b.direction}>
              <th scope="row">{b.feature}</th>
              <td class="expl-value">{valueText(b.value)}</td>
              <td class="expl-bar-cell" title={`${b.feature} = ${valueText(b.value)} ${b.direction === "up" ? up : b.direction === "down" ? down : "has no effect"} by ${signed(b.contribution, 3)}`}>
                <span class="expl-axis" />
                <span class={`expl-bar expl-${b.direction}-bg`} style={b.direction === "down" ? { right: "50%", width: `${50 * b.size}%` } : { left: "50%", width: `${50 * b.size}%` }} />
              </td>
              <td class={`num expl-${b.direction}`}>{signed(b.contribution)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
