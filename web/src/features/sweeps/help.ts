// What each part of the sweep pages shows, in words for someone who never ran a sweep.

export const HELP = {
  list: "A sweep trains the same model many times with different settings (the parameters), to find the settings that give the best result. Each attempt is a trial, recorded as an ordinary run.",
  progress: "How many trials have run. Pruned trials were stopped early because they were clearly doing worse than the others; failed ones ended with an error.",
  best: "The trial with the best result so far, and the settings it used. Open its run to see its charts and logs.",
  front: "With several goals there is usually no single best trial: these trials are each best at some balance of the goals (no other trial beats them on every goal at once).",
  controls: "Pause stops handing out new trials until you resume; Stop ends the sweep but lets running trials finish; Cancel ends it and tells running trials to stop.",
  history: "Each dot is a finished trial, in the order they ran; the line is the best result found so far. A line that has stopped improving means more trials are unlikely to help.",
  importance: "How much each parameter changed the result across the trials: a long bar means that setting matters a lot, a short one that you can leave it as it is.",
  contour: "The result for each combination of two parameters, estimated between the trials that ran (the dots; the ringed one is the best). Look for the region with the best colour.",
  parallel: "Each line is one trial, crossing each parameter's axis at the value it used and ending at its result. Lines of the same colour ending low or high show which settings go together with good results.",
  slices: "The result against one parameter at a time. A clear dip or peak shows a good value for that parameter; a flat cloud means it hardly matters.",
  pareto: "Each dot is a finished trial placed by its two results. The highlighted trials form the Pareto front: for each, no other trial is better on both goals.",
  trials: "Every trial with its settings, its result and its run. A trial's run holds everything it logged.",
} as const;

/** The search method in plain words. */
export const METHODS: Record<string, string> = {
  grid: "grid (every combination)",
  random: "random search",
  tpe: "Bayesian (TPE)",
  cmaes: "CMA-ES",
  gp: "Bayesian (Gaussian process)",
  qmc: "quasi-random (QMC)",
  nsga2: "NSGA-II (several goals)",
};

export function methodName(method: string): string {
  return METHODS[method] ?? method;
}
