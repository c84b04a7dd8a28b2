// Create or edit an alert rule. As the form changes, the server judges the draft over the
// last 30 points (POST …/alert-rules/preview, debounced; nothing is stored) and the chart
// shows where it would have fired and resolved.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { alertChannelsPath, alertRulesPath, navigate, projectPath } from "../../lib/route";
import { listMonitors, listWindows, type Monitor } from "../monitoring/api";
import { loadResults } from "../monitoring/useResults";
import { getRule, listChannels, previewRule, saveRule, type Channel, type Preview, type Severity, type Target } from "./api";
import { errorText, SeverityBadge } from "./bits";
import {
  choicesOf,
  conditionFromWire,
  conditionToWire,
  DEFAULT_CONDITION,
  describeCondition,
  describeTarget,
  EMPTY_TARGET,
  fitTarget,
  RUN_STATES,
  targetToWire,
  unitOf,
  type Choices,
  type ConditionForm,
} from "./conditions";
import { fieldOf, SEVERITIES, SEVERITY_HELP } from "./inbox";
import { PreviewChart, PreviewLegend } from "./PreviewChart";
import { busiestScope, chartSeries, summarise } from "./preview";
import { ConditionFields, Field, TargetFields, type FieldErrors } from "./RuleFields";

/** Points judged by the preview. */
const LAST = 30;
const DEBOUNCE_MS = 350;
/** Windows of a monitor read to offer its results as choices (labels arrive late). */
const CHOICE_WINDOWS = 10;

const COOLDOWNS: [number, string][] = [
  [0, "none"],
  [600, "10 minutes"],
  [3600, "1 hour"],
  [6 * 3600, "6 hours"],
  [86_400, "1 day"],
  [7 * 86_400, "1 week"],
];

function monitorFor(target: Target, monitors: Monitor[]): Monitor | null {
  if (target.type === "monitor") return monitors.find((m) => m.spec.name === target.monitor) ?? null;
  if (target.type === "model" && target.model) {
    const name = target.model.split("@")[0];
    return monitors.find((m) => m.spec.model === target.model) ?? monitors.find((m) => (m.spec.model ?? "").split(/[@:]/)[0] === name) ?? null;
  }
  return null;
}

/** The monitor's results of its latest windows, as choices of kind, subject, group, metric. */
function useChoices(project: string, monitor: Monitor | null): { choices: Choices | null; note: string | null } {
  const [state, setState] = useState<{ key: string; choices: Choices | null; note: string | null }>({ key: "", choices: null, note: null });
  const key = monitor ? `${monitor.spec.name}|${monitor.computed_at}` : "";
  useEffect(() => {
    if (!monitor) return;
    let live = true;
    listWindows(project, monitor.spec.name)
      .then((windows): Promise<{ choices: Choices | null; note: string | null }> | { choices: Choices | null; note: string | null } => {
        if (!windows.length) return { choices: null, note: `${monitor.spec.name} has no computed windows yet: its results cannot be offered as choices.` };
        const start = windows[Math.max(0, windows.length - CHOICE_WINDOWS)].start;
        return loadResults(project, monitor.spec.name, { start, detail: "summary" }, monitor.computed_at ?? "").then((results) => ({ choices: choicesOf(results), note: null }));
      })
      .then(
        (found) => live && setState({ key, ...found }),
        (e: unknown) => live && setState({ key, choices: null, note: `The monitor's results could not be read: ${errorText(e)}` }),
      );
    return () => {
      live = false;
    };
  }, [project, key]);
  return state.key === key ? state : { choices: null, note: null };
}

export function RuleEditor(props: { project: string; name: string | null; search: string }) {
  const editing = props.name !== null;
  const params = new URLSearchParams(props.search);
  const [loaded, setLoaded] = useState(!editing);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [name, setName] = useState(props.name ?? "");
  const [description, setDescription] = useState("");
  const [target, setTarget] = useState<Target>(() => ({ ...EMPTY_TARGET, monitor: params.get("monitor") }));
  // A new rule starts on the monitor's own judgement, which needs no number to be typed.
  const [condition, setCondition] = useState<ConditionForm>({ ...DEFAULT_CONDITION, kind: "verdict", verdicts: ["drift", "alert"] });
  const [severity, setSeverity] = useState<Severity>("warning");
  const [channels, setChannels] = useState<string[]>([]);
  const [cooldown, setCooldown] = useState(0);
  const [monitors, setMonitors] = useState<Monitor[] | null>(null);
  const [allChannels, setAllChannels] = useState<Channel[] | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    listMonitors(props.project).then(setMonitors, () => setMonitors([]));
    listChannels(props.project).then(setAllChannels, () => setAllChannels([]));
  }, [props.project]);

  useEffect(() => {
    if (props.name === null) return;
    getRule(props.project, props.name).then(
      (r) => {
        setName(r.name);
        setDescription(r.description);
        setTarget(r.target);
        setCondition(conditionFromWire(r.condition));
        setSeverity(r.severity);
        setChannels(r.channels);
        setCooldown(r.cooldown_seconds);
        setLoaded(true);
      },
      (e: unknown) => setLoadError(e instanceof ApiError ? e : new ApiError(0, "error", String(e))),
    );
  }, [props.project, props.name]);

  // A new rule without a monitor chosen starts on the project's first monitor, or on runs.
  useEffect(() => {
    if (editing || !monitors || target.type !== "monitor" || target.monitor) return;
    if (monitors.length) setTarget((t) => ({ ...t, monitor: monitors[0].spec.name }));
    else setTarget((t) => ({ ...t, type: "runs", filter: "", metric: null }));
  }, [monitors]);

  // Watching runs' state, the verdicts to tick are run states.
  const runState = target.type === "runs" && target.metric === "_state";
  useEffect(() => {
    if (runState && condition.kind === "verdict" && !condition.verdicts.some((v) => RUN_STATES.includes(v))) setCondition((c) => ({ ...c, verdicts: ["failed", "crashed"] }));
  }, [runState]);

  const watched = monitors ? monitorFor(target, monitors) : null;
  const { choices, note } = useChoices(props.project, watched);
  // Keep kind, subject, group and metric among what the monitor's results have.
  useEffect(() => {
    if (!choices || !loaded) return;
    const fitted = fitTarget(target, choices);
    if (JSON.stringify(fitted) !== JSON.stringify(target)) setTarget(fitted);
  }, [choices, loaded, target.type, target.kind, target.subject, target.group, target.metric]);

  const models = useMemo(() => [...new Set((monitors ?? []).map((m) => m.spec.model).filter((m): m is string => !!m))], [monitors]);
  const wireTarget = targetToWire(target);
  const wireCondition = conditionToWire(condition);
  const unit = unitOf(target);
  const preview = usePreview(props.project, wireTarget, wireCondition, loaded);

  // Refusals of the preview are shown next to their field until the form changes again.
  const previewField = preview.error ? fieldOf(preview.error) : null;
  const shownErrors: FieldErrors = { ...errors, ...(previewField && preview.error ? { [previewField]: preview.error.message } : {}) };

  const change = <T,>(set: (v: T) => void) => (v: T) => {
    setErrors({});
    setSaveError(null);
    set(v);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    setSaveError(null);
    try {
      await saveRule(props.project, {
        name: name.trim(),
        description: description.trim(),
        target: wireTarget,
        condition: wireCondition,
        severity,
        channels,
        cooldown_seconds: cooldown,
        exist_ok: editing,
      });
      navigate(alertRulesPath(props.project, target.type === "monitor" && params.get("monitor") ? { monitor: params.get("monitor") as string } : undefined));
    } catch (problem) {
      const field = fieldOf(problem);
      if (field) setErrors({ [field]: errorText(problem) });
      else setSaveError(errorText(problem));
      setSaving(false);
    }
  };

  const crumbs = (
    <p class="crumbs">
      <Link href={projectPath(props.project)}>{props.project}</Link> / <Link href={alertRulesPath(props.project)}>alert rules</Link> /
    </p>
  );
  if (loadError)
    return (
      <section>
        {crumbs}
        <Message kind="error" title={loadError.status === 404 ? `There is no rule ${props.name} in ${props.project}` : "The rule could not be loaded"}>
          {loadError.message}
        </Message>
      </section>
    );
  if (!loaded) return <p class="loading">Loading rule…</p>;

  return (
    <section class="rule-editor">
      {crumbs}
      <header class="page-head al-head">
        <h1>{editing ? `Edit rule ${props.name}` : "New alert rule"}</h1>
      </header>
      <p class="al-hint muted">
        Choose what to watch and when to tell someone. The preview on the right judges the rule on what is already stored, so you see how often it would have
        fired before you save it.
      </p>
      <div class="al-editor">
        <form class="al-form" aria-label="Alert rule" onSubmit={save} noValidate>
          <Field id="rule-name" label="Name" errors={shownErrors} field="name" hint={editing ? "To rename a rule, create a new one and delete this one." : "Short and specific: it is the first thing a notification says."}>
            <input id="rule-name" type="text" required maxLength={128} disabled={editing} placeholder="recall of at-risk students" value={name} onInput={(e) => change(setName)((e.target as HTMLInputElement).value)} />
          </Field>
          <TargetFields target={target} onChange={change(setTarget)} monitors={monitors} models={models} choices={choices} choicesNote={note} errors={shownErrors} />
          <ConditionFields form={condition} onChange={change(setCondition)} errors={shownErrors} unit={unit} runState={runState} />
          <fieldset class="al-fieldset">
            <legend>Who is told</legend>
            <Field id="rule-severity" label="Severity" errors={shownErrors} field="severity">
              <div class="al-radios al-inline" role="radiogroup" aria-label="Severity" id="rule-severity">
                {SEVERITIES.map((s) => (
                  <label class={`al-radio${severity === s ? " on" : ""}`} key={s} title={SEVERITY_HELP[s]}>
                    <input type="radio" name="severity" checked={severity === s} onChange={() => change(setSeverity)(s)} /> <SeverityBadge severity={s} />
                  </label>
                ))}
              </div>
            </Field>
            <Field
              id="rule-channels"
              label="Channels"
              errors={shownErrors}
              field="channels"
              hint={channels.length ? "Only the ticked channels." : "None ticked: every enabled channel of the project, each for alerts at or above its minimum severity."}
            >
              {allChannels && allChannels.length === 0 ? (
                <p class="muted al-small" id="rule-channels">
                  This project has no channels yet: alerts will show here only. <Link href={alertChannelsPath(props.project)}>Add a channel</Link> (Slack, email,
                  a webhook, PagerDuty).
                </p>
              ) : (
                <div class="al-checks" id="rule-channels">
                  {(allChannels ?? []).map((c) => (
                    <label key={c.name}>
                      <input
                        type="checkbox"
                        checked={channels.includes(c.name)}
                        onChange={(e) => change(setChannels)((e.target as HTMLInputElement).checked ? [...channels, c.name] : channels.filter((x) => x !== c.name))}
                      />{" "}
                      {c.name} <span class="muted al-small">({c.type}{c.enabled ? "" : ", disabled"})</span>
                    </label>
                  ))}
                </div>
              )}
            </Field>
            <Field id="rule-cooldown" label="Cooldown" errors={shownErrors} field="cooldown_seconds" hint="After an alert resolves, no new alert opens for the same series for this long (stops flapping).">
              <select id="rule-cooldown" value={String(cooldown)} onChange={(e) => change(setCooldown)(Number((e.target as HTMLSelectElement).value))}>
                {COOLDOWNS.map(([s, label]) => (
                  <option value={String(s)} key={s}>
                    {label}
                  </option>
                ))}
                {COOLDOWNS.some(([s]) => s === cooldown) ? null : <option value={String(cooldown)}>{cooldown} seconds</option>}
              </select>
            </Field>
            <Field id="rule-description" label="Description (optional)" errors={shownErrors} field="description" hint="What to do when it fires: who to ask, what to check.">
              <textarea id="rule-description" class="al-note" rows={2} value={description} onInput={(e) => change(setDescription)((e.target as HTMLTextAreaElement).value)} />
            </Field>
          </fieldset>
          <p class="al-summary">
            <strong>In words:</strong> fires when {describeTarget(wireTarget)} is {describeCondition(wireCondition, unit)}.
          </p>
          {saveError ? <Message kind="error" title="The rule was not saved">{saveError}</Message> : null}
          {Object.keys(errors).length ? (
            <p class="al-field-error" role="alert">
              The rule was not saved: see the highlighted field.
            </p>
          ) : null}
          <div class="row-buttons">
            <button type="submit" class="primary" disabled={saving}>
              {saving ? "Saving…" : editing ? "Save changes" : "Create rule"}
            </button>
            <Link href={alertRulesPath(props.project)} class="al-button">
              Cancel
            </Link>
          </div>
        </form>
        <PreviewPanel state={preview} unit={unit} fieldError={!!previewField} />
      </div>
    </section>
  );
}

interface PreviewState {
  previews: Preview[] | null;
  error: ApiError | null;
  busy: boolean;
  /** Why there is nothing to preview yet (an incomplete target). */
  waiting: string | null;
}

function usePreview(project: string, target: Target, condition: Record<string, unknown>, ready: boolean): PreviewState {
  const [state, setState] = useState<PreviewState>({ previews: null, error: null, busy: false, waiting: null });
  const waiting =
    target.type === "monitor" && !target.monitor
      ? "Choose a monitor to see the preview."
      : target.type === "model" && !target.model
        ? "Type a model and alias (name@alias) to see the preview."
        : target.type === "runs" && !target.metric
          ? "Type a metric to see the preview."
          : target.type !== "runs" && !target.kind
            ? "Choose a result to see the preview."
            : condition.kind === "threshold" && (condition.op === "above" || condition.op === "below" ? condition.value === undefined : condition.low === undefined || condition.high === undefined)
              ? "Type the threshold to see the preview."
              : null;
  const key = JSON.stringify([target, condition]);
  useEffect(() => {
    if (!ready) return;
    if (waiting) {
      setState({ previews: null, error: null, busy: false, waiting });
      return;
    }
    const abort = new AbortController();
    setState((s) => ({ ...s, busy: true, waiting: null }));
    const timer = setTimeout(() => {
      previewRule(project, target, condition, LAST, abort.signal).then(
        (previews) => setState({ previews, error: null, busy: false, waiting: null }),
        (e: unknown) => {
          if (!abort.signal.aborted) setState({ previews: null, error: e instanceof ApiError ? e : new ApiError(0, "error", String(e)), busy: false, waiting: null });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [project, key, ready, waiting]);
  return state;
}

function PreviewPanel(props: { state: PreviewState; unit: string; fieldError: boolean }) {
  const { previews, error, busy, waiting } = props.state;
  const [scope, setScope] = useState<string | null>(null);
  const summary = useMemo(() => (previews ? summarise(previews, props.unit) : null), [previews, props.unit]);
  const chosen = previews ? (previews.find((p) => p.scope === scope) ?? previews.find((p) => p.scope === busiestScope(previews)) ?? null) : null;
  const chart = useMemo(() => (chosen ? chartSeries(chosen) : null), [chosen]);
  return (
    <aside class="section-box al-preview" aria-label="Live preview">
      <div class="mon-box-head">
        <h2>Live preview</h2>
        {busy ? <span class="muted al-small">updating…</span> : null}
      </div>
      <p class="muted al-small">Up to the last {LAST} {props.unit} of what the rule watches, judged by the rule as it is on the left. Nothing is stored.</p>
      {waiting ? <p class="muted">{waiting}</p> : null}
      {error ? (
        <Message kind={props.fieldError ? "info" : "error"} title={props.fieldError ? "Fix the highlighted field to see the preview" : "No preview"}>
          {error.message}
        </Message>
      ) : null}
      {summary && !waiting && !error ? (
        <p class={`al-sentence${summary.fired ? " fired" : ""}`} role="status" aria-label="Preview summary">
          {summary.sentence}
        </p>
      ) : null}
      {previews && previews.length > 1 && !waiting && !error ? (
        <label class="al-scope">
          Series{" "}
          <select value={chosen?.scope ?? ""} onChange={(e) => setScope((e.target as HTMLSelectElement).value)}>
            {previews.map((p) => (
              <option value={p.scope} key={p.scope}>
                {p.label}
                {p.transitions.some(([, s]) => s === "firing") ? " — fires" : ""}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {chart && chosen && !waiting && !error ? (
        <>
          <PreviewChart series={chart} label={`Preview: ${chosen.label}`} height={240} />
          <PreviewLegend band={!!(chart.lower || chart.upper)} />
        </>
      ) : null}
    </aside>
  );
}
