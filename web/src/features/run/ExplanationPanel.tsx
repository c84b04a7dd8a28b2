// Feature importance of a run that called run.log_explanations: its summary's
// explain/importance/<feature> values as horizontal bars. The chart is a table (input,
// bar and number per row), so a screen reader reads it as one; the bars are decoration.
import type { Run } from "../../api/client";
import { Link } from "../../components/Link";
import { tabPath } from "./tabs";

export const IMPORTANCE_PREFIX = "explain/importance/";
export const METHOD_KEY = "explain/method";
/** Bars shown at most; the summary (and the artifact) have every feature. */
export const MAX_FEATURES = 20;
/** The widest bar's share of its cell, so the number always fits beside it. */
const BAR_SPAN = 70;

export interface FeatureImportance {
  feature: string;
  importance: number;
}

export interface RunImportance {
  /** Highest first (ties by name), at most MAX_FEATURES. */
  top: FeatureImportance[];
  /** Features with a finite importance, shown or not. */
  total: number;
  method: string | null;
}

/** The run's feature importance from its summary; null when it has none. Non-finite
 * values (sent as "NaN" / "Infinity") and anything not a number are left out. */
export function runImportance(summary: Record<string, unknown>): RunImportance | null {
  const all: FeatureImportance[] = [];
  for (const [key, value] of Object.entries(summary)) {
    if (!key.startsWith(IMPORTANCE_PREFIX) || typeof value !== "number" || !Number.isFinite(value)) continue;
    all.push({ feature: key.slice(IMPORTANCE_PREFIX.length), importance: value });
  }
  if (!all.length) return null;
  all.sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature));
  const method = summary[METHOD_KEY];
  return { top: all.slice(0, MAX_FEATURES), total: all.length, method: typeof method === "string" ? method : null };
}

const METHODS: Record<string, string> = {
  "shap-tree": "SHAP values computed exactly from the model's trees",
  "shap-linear": "exact SHAP values of a linear model",
  "shap-permutation": "SHAP values estimated by trying the inputs in many orders",
  permutation: "permutation importance (shap was not installed or not asked for)",
};

/** A bar's CSS width: its share of the largest importance, of BAR_SPAN %. */
function barWidth(importance: number, largest: number): string {
  const share = largest > 0 ? Math.max(importance, 0) / largest : 0;
  return `${+(share * BAR_SPAN).toFixed(1)}%`;
}

/** Three significant digits, as a bar's label; tiny values in exponent form. */
export function formatImportance(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return String(+value.toPrecision(3));
}

/** True for the SHAP methods; the fallback ("permutation") is not SHAP. */
export function isShap(method: string | null): boolean {
  return method === null || method.startsWith("shap");
}

export function ExplanationPanel(props: { run: Run }) {
  const found = runImportance(props.run.summary);
  if (!found) return null;
  const { top, total, method } = found;
  const shap = isShap(method);
  const title = `Feature importance (${shap ? "SHAP" : "permutation"})`;
  const largest = Math.max(...top.map((f) => f.importance), 0);
  return (
    <section class="explanation-panel" aria-labelledby="explanation-panel-title">
      <h2 id="explanation-panel-title">{title}</h2>
      <p class="muted">
        {shap
          ? "How much each input moved this model's predictions on average, up or down: the longer the bar, the more the model relied on that input."
          : "How much this model's predictions changed when each input was shuffled: the longer the bar, the more the model relied on that input."}
      </p>
      <table class="importance" style={{ maxWidth: "760px" }}>
        <caption class="muted">
          {total > top.length ? `The ${top.length} most important of ${total} inputs. ` : ""}
          {method ? (
            <>
              Method: <code>{method}</code>
              {METHODS[method] ? ` (${METHODS[method]})` : ""}.{" "}
            </>
          ) : null}
          Values per row are in the run's <Link href={tabPath(props.run.id, "artifacts")}>explanation artifact</Link>.
        </caption>
        <thead>
          <tr>
            <th scope="col">Input</th>
            <th scope="col">{shap ? "Average impact (mean |SHAP value|)" : "Importance"}</th>
          </tr>
        </thead>
        <tbody>
          {top.map((f) => (
            <tr key={f.feature}>
              <th scope="row" style={{ fontWeight: "normal", wordBreak: "break-word" }}>
                {f.feature}
              </th>
              <td style={{ width: "72%" }} title={String(f.importance)}>
                <span class="bar" aria-hidden="true" style={{ width: barWidth(f.importance, largest) }} />
                <span class="num">{formatImportance(f.importance)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
