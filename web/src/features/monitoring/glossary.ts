// Plain-language names and explanations of every method, metric and verdict the monitoring
// pages show: the tooltips and help text for readers who never write code.

export interface Term {
  /** A short name for labels and legends. */
  name: string;
  /** One or two sentences: what it measures and how to read it. */
  help: string;
  /** A smaller value is better (losses, error rates, gaps). */
  lowerIsBetter?: boolean;
  /** A percentage-like share in [0, 1]. */
  share?: boolean;
}

export const DRIFT_METHODS: Record<string, Term> = {
  wasserstein: {
    name: "Wasserstein distance",
    help: "How far, on average, values would have to move to turn this window's spread of values into the reference's, in units of the reference's standard deviation. 0 means identical; the usual alarm is at 0.1.",
  },
  jensenshannon: {
    name: "Jensen-Shannon distance",
    help: "How different the share of each category is between the reference and this window, from 0 (the same mix) to 1 (no overlap at all). The usual alarm is at 0.1.",
  },
  ks: {
    name: "Kolmogorov-Smirnov test",
    help: "Compares the whole shape of the two distributions. The p-value is the chance of seeing a difference this large if nothing had really changed: below the threshold (usually 0.05) the change is unlikely to be luck.",
  },
  chisquare: {
    name: "Chi-square test",
    help: "Checks whether the share of each category differs more than chance would explain. A p-value below the threshold (usually 0.05) means the mix really changed.",
  },
  z: {
    name: "Z-test for a proportion",
    help: "For yes/no columns: whether the share of one answer changed more than chance explains. A p-value below the threshold means drift.",
  },
  psi: {
    name: "Population Stability Index",
    help: "A score of how much the distribution moved, common in credit scoring: below 0.1 is stable, above 0.1 a notable shift, above 0.25 a large one.",
  },
  kl: {
    name: "Kullback-Leibler divergence",
    help: "How surprising this window's values are if you expected the reference's. 0 means identical; larger means more different.",
  },
  hellinger: {
    name: "Hellinger distance",
    help: "How little the two distributions overlap, from 0 (identical) to 1 (no overlap).",
  },
  tvd: {
    name: "Total variation distance",
    help: "The share of rows that would have to change category to make the two mixes equal, from 0 to 1.",
  },
  drift_share: {
    name: "Share of drifted features",
    help: "The share of features that changed in this window. The whole dataset is said to drift when at least half of its features do.",
    share: true,
  },
  domain_classifier_auc: {
    name: "Multivariate drift (classifier AUC)",
    help: "A small model is trained to tell reference rows from this window's rows. Near 0.5 it cannot tell them apart; the higher it goes, the more the data as a whole changed, even when each column alone looks fine.",
  },
};

export const PERFORMANCE_METRICS: Record<string, Term> = {
  accuracy: { name: "Accuracy", help: "The share of students whose outcome the model got right.", share: true },
  precision: { name: "Precision", help: "Of the students the model flagged as at risk, the share who really dropped out.", share: true },
  recall: { name: "Recall", help: "Of the students who dropped out, the share the model had flagged in advance.", share: true },
  f1: { name: "F1 score", help: "A balance of precision and recall (their harmonic mean): high only when both are high.", share: true },
  roc_auc: {
    name: "ROC AUC",
    help: "How well the risk score ranks students who drop out above those who don't: 0.5 is a coin flip, 1 is perfect.",
  },
  pr_auc: { name: "PR AUC", help: "Precision averaged over every flagging threshold; informative when few students drop out." },
  log_loss: { name: "Log loss", help: "A penalty for confident wrong predictions. Lower is better.", lowerIsBetter: true },
  calibration_error: {
    name: "Calibration error",
    help: "How far predicted risks are from what happened (students given a 30 % risk should drop out about 30 % of the time). Lower is better.",
    lowerIsBetter: true,
  },
  brier: { name: "Brier score", help: "The mean squared gap between the predicted risk and the outcome. Lower is better.", lowerIsBetter: true },
  mae: { name: "Mean absolute error", help: "The average size of the model's error, in the target's units. Lower is better.", lowerIsBetter: true },
  rmse: { name: "Root mean squared error", help: "Like the mean error, but large mistakes count more. Lower is better.", lowerIsBetter: true },
  mse: { name: "Mean squared error", help: "The average squared error. Lower is better.", lowerIsBetter: true },
  r2: { name: "R²", help: "The share of the target's variation the model explains: 1 is perfect, 0 no better than the average." },
  confusion: { name: "Confusion matrix", help: "How many students of each real outcome got each prediction." },
};

export const FAIRNESS_METRICS: Record<string, Term> = {
  selection_rate: { name: "Selection rate", help: "The share of the group that the model flags as at risk.", share: true },
  tpr: { name: "True positive rate", help: "Of the group's students who dropped out, the share the model flagged in time.", share: true },
  fpr: { name: "False positive rate", help: "Of the group's students who did not drop out, the share flagged anyway.", share: true, lowerIsBetter: true },
  fnr: { name: "False negative rate", help: "Of the group's students who dropped out, the share the model missed.", share: true, lowerIsBetter: true },
  demographic_parity_difference: {
    name: "Demographic parity difference",
    help: "The largest gap in selection rate between groups. 0 means every group is flagged equally often.",
    lowerIsBetter: true,
  },
  demographic_parity_ratio: {
    name: "Demographic parity ratio",
    help: "The lowest group's selection rate divided by the highest's. Below 0.8 fails the \"four-fifths rule\" used in equal-opportunity law.",
  },
  equalized_odds_difference: {
    name: "Equalized odds difference",
    help: "The largest gap between groups in how often the model is right about students who drop out, or wrong about students who don't. The limit is 0.1.",
    lowerIsBetter: true,
  },
  equal_opportunity_difference: {
    name: "Equal opportunity difference",
    help: "The largest gap between groups in the share of students who drop out that the model flags in time. The limit is 0.1.",
    lowerIsBetter: true,
  },
};

export const QUALITY_METRICS: Record<string, Term> = {
  missing_rate: { name: "Missing values", help: "The share of rows where the value is empty.", share: true, lowerIsBetter: true },
  new_category_rate: {
    name: "New categories",
    help: "The share of values in a category the reference data never had (a new course, a typo…).",
    share: true,
    lowerIsBetter: true,
  },
  out_of_range_rate: {
    name: "Out of range",
    help: "The share of values below the reference's smallest or above its largest value.",
    share: true,
    lowerIsBetter: true,
  },
  type_mismatch: {
    name: "Wrong type",
    help: "How many values were of the wrong type, such as text in a number column. They count as missing.",
    lowerIsBetter: true,
  },
};

export const VERDICTS: Record<string, Term> = {
  ok: { name: "OK", help: "Within the expected range." },
  drift: { name: "Drift", help: "Different from the reference data, beyond the threshold." },
  alert: { name: "Alert", help: "Needs attention: past its threshold." },
  insufficient_data: { name: "Too little data", help: "Too few rows in this window to judge." },
  standing: {
    name: "Standing gap",
    help: "Past the limit, but no worse than in the reference data the model was checked on: a known, long-standing gap rather than something new.",
  },
  no_data: { name: "No data yet", help: "Nothing has been computed yet: log predictions, then compute." },
};

export const KINDS: Record<string, Term> = {
  drift: { name: "Feature drift", help: "A feature's values look different from the reference data." },
  dataset: { name: "Dataset drift", help: "At least half of the features drifted at once." },
  multivariate: { name: "Multivariate drift", help: "The data as a whole changed, even if each column alone looks fine." },
  quality: { name: "Data quality", help: "Missing values, new categories, values out of range or of the wrong type." },
  performance: { name: "Performance", help: "The model's accuracy on students whose outcome is known." },
  estimated: {
    name: "Estimated performance",
    help: "Before outcomes are known, the model's own risk scores estimate how well it does (confidence-based performance estimation, CBPE). It is reliable while the model stays well calibrated.",
  },
  fairness: { name: "Fairness", help: "Whether the model treats groups of students differently." },
  concept: {
    name: "Concept drift",
    help: "Real performance fell while no input changed: the link between what is measured and the outcome has changed, so the model's rules are out of date.",
  },
  volume: { name: "Volume", help: "How many predictions the window holds." },
  explanation: {
    name: "Explanations",
    help: "Which inputs drive the model's scores in each window (SHAP values), compared with the reference data.",
  },
};

/** How a monitor explains scores (``detail.method`` of its explanation results). */
export const EXPLANATION_METHODS: Record<string, Term & { exact: string }> = {
  "shap-linear": {
    name: "SHAP values",
    exact: "exact for this linear model",
    help: "SHAP values split each score into one push per input, up or down from the average score; added up, they give the score. For a linear model they are computed exactly.",
  },
  "shap-tree": {
    name: "SHAP values",
    exact: "exact for this tree model",
    help: "SHAP values split each score into one push per input, up or down from the average score; added up, they give the score. For models made of decision trees they are computed exactly.",
  },
  "shap-permutation": {
    name: "SHAP values",
    exact: "estimated by trying inputs in many orders",
    help: "SHAP values split each score into one push per input, up or down from the average score; added up, they give the score. For this kind of model they are estimated by sampling, so small values are approximate.",
  },
  permutation: {
    name: "Permutation effects",
    exact: "not SHAP: the shap package was not available",
    help: "Each input's effect is how much the score changes when that input is replaced by a typical value. Unlike SHAP values, the effects do not add up exactly to the score.",
  },
};

/** The scale the explanations are on (``detail.output_space``). */
export const OUTPUT_SPACES: Record<string, Term> = {
  log_odds: {
    name: "the log-odds",
    help: "The log-odds is the model's score before it is turned into a probability: 0 is a 50% risk, +1 multiplies the odds of dropping out by about 2.7, -1 divides them by 2.7. Pushes on this scale add up exactly.",
  },
  probability: { name: "the predicted probability", help: "Pushes are in probability: +0.10 raises the predicted risk by 10 percentage points." },
  prediction: { name: "the prediction", help: "Pushes are in the prediction's own units." },
};

export const EXPLANATION_TERMS: Record<string, Term> = {
  importance: {
    name: "Importance share",
    help: "How much of the model's decisions rests on each input: the average size of its SHAP value over the window's explained predictions, as a share of all inputs' together. Shares add up to 100%.",
    share: true,
  },
  importance_shift: {
    name: "Importance shift",
    help: "How differently the model weighs its inputs in this window than on the reference data: the share of importance that moved from some inputs to others, from 0% (the same mix) to 100%. A jump means the model now decides for other reasons, often because the data or the model version changed.",
    share: true,
  },
};

const ALL: Record<string, Term> = { ...QUALITY_METRICS, ...FAIRNESS_METRICS, ...PERFORMANCE_METRICS, ...DRIFT_METHODS };

/** The term for a method or metric name, or a readable fallback. */
export function term(metric: string): Term {
  return ALL[metric] ?? { name: metric.replace(/_/g, " "), help: "" };
}

export function verdictTerm(verdict: string): Term {
  return VERDICTS[verdict] ?? { name: verdict.replace(/_/g, " "), help: "" };
}
