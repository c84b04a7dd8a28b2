// The rule editor's two questions: what to watch (a monitor's result, a registered model's
// monitors, or runs' metric) and when to fire (the condition). Each field shows the
// server's refusal that names it.
import type { ComponentChildren } from "preact";
import { KINDS, term, verdictTerm } from "../monitoring/glossary";
import type { Monitor } from "../monitoring/api";
import type { Target } from "./api";
import { FieldError } from "./bits";
import { CONDITION_KINDS, MONITOR_VERDICTS, RUN_STATES, type Choices, type ConditionForm } from "./conditions";

export type FieldErrors = Record<string, string>;

const EACH = "__each__";

/** A labelled field with its hint and the server's refusal under it. */
export function Field(props: { id: string; label: string; hint?: ComponentChildren; errors: FieldErrors; field?: string; children: ComponentChildren }) {
  const message = props.field ? props.errors[props.field] : undefined;
  return (
    <div class={`al-field${message ? " invalid" : ""}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <p class="muted al-small al-field-hint">{props.hint}</p> : null}
      <FieldError id={`${props.id}-error`} message={message} />
    </div>
  );
}

const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;

function subjectWord(kind: string | null | undefined): string {
  if (kind === "fairness") return "Sensitive attribute";
  if (kind === "performance" || kind === "estimated") return "Segment";
  if (kind === "drift" || kind === "quality") return "Feature";
  return "Subject";
}

export function TargetFields(props: {
  target: Target;
  onChange: (t: Target) => void;
  monitors: Monitor[] | null;
  models: string[];
  choices: Choices | null;
  choicesNote: string | null;
  errors: FieldErrors;
}) {
  const { target: t, choices, errors } = props;
  const set = (change: Partial<Target>) => props.onChange({ ...t, ...change });
  const kind = t.kind ?? "";
  const subjects = choices && kind ? choices.subjects(kind) : [];
  const groups = choices && kind ? choices.groups(kind, t.subject) : [];
  const metrics = choices && kind ? choices.metrics(kind, t.subject, t.group) : [];
  const canEach = subjects.some((s) => s !== "*");
  return (
    <fieldset class="al-fieldset">
      <legend>What to watch</legend>
      <div class="al-radios" role="radiogroup" aria-label="Watch">
        {(
          [
            ["monitor", "A monitor", "its results, window by window"],
            ["model", "A registered model", "every monitor of the version an alias points to; follows promotions"],
            ["runs", "Training runs", "a metric of the runs a filter matches, step by step"],
          ] as const
        ).map(([type, label, hint]) => (
          <label class={`al-radio${t.type === type ? " on" : ""}`} key={type}>
            <input
              type="radio"
              name="target-type"
              checked={t.type === type}
              onChange={() =>
                set({
                  type,
                  monitor: type === "monitor" && !t.monitor ? (props.monitors?.[0]?.spec.name ?? null) : t.monitor,
                  model: type === "model" && !t.model ? (props.models[0] ?? null) : t.model,
                  metric: type === "runs" || t.type === "runs" ? null : t.metric,
                })
              }
            />
            <span>
              <strong>{label}</strong> <span class="muted al-small">— {hint}</span>
            </span>
          </label>
        ))}
      </div>
      {t.type === "monitor" ? (
        <Field id="target-monitor" label="Monitor" errors={errors} field="target.monitor">
          <select id="target-monitor" value={t.monitor ?? ""} onChange={(e) => set({ monitor: value(e) || null })}>
            <option value="">choose a monitor…</option>
            {(props.monitors ?? []).map((m) => (
              <option value={m.spec.name} key={m.spec.name}>
                {m.spec.name}
                {m.spec.model ? ` (${m.spec.model})` : ""}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      {t.type === "model" ? (
        <Field id="target-model" label="Model and alias" errors={errors} field="target.model" hint="name@alias, e.g. dropout-risk@production: the rule follows the alias when another version is promoted.">
          <input id="target-model" type="text" list="target-models" placeholder="dropout-risk@production" value={t.model ?? ""} onInput={(e) => set({ model: value(e) || null })} />
          <datalist id="target-models">
            {props.models.map((m) => (
              <option value={m} key={m} />
            ))}
          </datalist>
        </Field>
      ) : null}
      {t.type !== "runs" ? (
        <>
          {props.choicesNote ? <p class="muted al-small">{props.choicesNote}</p> : null}
          <Field id="target-kind" label="Result" errors={errors} field="target.kind" hint={kind ? KINDS[kind]?.help : undefined}>
            <select id="target-kind" value={kind} onChange={(e) => set({ kind: value(e) || null })}>
              {!choices || !choices.kinds.includes(kind) ? <option value={kind}>{kind ? KINDS[kind]?.name ?? kind : "choose…"}</option> : null}
              {(choices?.kinds ?? []).map((k) => (
                <option value={k} key={k}>
                  {KINDS[k]?.name ?? k}
                </option>
              ))}
            </select>
          </Field>
          {subjects.length > 1 || (subjects.length === 1 && subjects[0] !== "*") || t.subject === null ? (
            <Field id="target-subject" label={subjectWord(kind)} errors={errors} field="target.subject">
              <select id="target-subject" value={t.subject === null ? EACH : t.subject} onChange={(e) => set({ subject: value(e) === EACH ? null : value(e) })}>
                {canEach ? <option value={EACH}>each {subjectWord(kind).toLowerCase()} on its own (one alert per {subjectWord(kind).toLowerCase()})</option> : null}
                {subjects.map((s) => (
                  <option value={s} key={s}>
                    {s === "*" ? "the whole window (all rows)" : s}
                  </option>
                ))}
                {t.subject !== null && !subjects.includes(t.subject) ? <option value={t.subject}>{t.subject}</option> : null}
              </select>
            </Field>
          ) : null}
          {groups.length > 1 || (groups.length === 1 && groups[0] !== "*") ? (
            <Field id="target-group" label="Group" errors={errors} field="target.group">
              <select id="target-group" value={t.group} onChange={(e) => set({ group: value(e) })}>
                {groups.map((g) => (
                  <option value={g} key={g}>
                    {g === "*" ? "all groups" : g}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          <Field id="target-metric" label="Measure" errors={errors} field="target.metric" hint={t.metric ? term(t.metric).help || undefined : undefined}>
            <select id="target-metric" value={t.metric ?? ""} onChange={(e) => set({ metric: value(e) || null })}>
              {t.subject === null || !t.metric ? <option value="">whichever each one uses</option> : null}
              {metrics.map((m) => (
                <option value={m} key={m}>
                  {term(m).name}
                </option>
              ))}
              {t.metric && !metrics.includes(t.metric) ? <option value={t.metric}>{term(t.metric).name}</option> : null}
            </select>
          </Field>
        </>
      ) : (
        <>
          <Field id="target-filter" label="Runs" errors={errors} field="target.filter" hint="A runs-table filter, e.g. tags contains 'nightly'; empty watches every run of the project.">
            <input id="target-filter" class="al-mono" type="text" placeholder="tags contains 'nightly'" value={t.filter ?? ""} onInput={(e) => set({ filter: value(e) })} />
          </Field>
          <Field id="target-run-metric" label="Metric" errors={errors} field="target.metric" hint="A logged metric such as val/loss, or _state to watch whether runs fail, crash or stall.">
            <input id="target-run-metric" class="al-mono" type="text" list="run-metrics" placeholder="val/loss" value={t.metric ?? ""} onInput={(e) => set({ metric: value(e) || null })} />
            <datalist id="run-metrics">
              <option value="_state" />
            </datalist>
          </Field>
          {t.metric === "_state" ? (
            <Field id="target-stall" label="Stalled after (minutes of silence)" errors={errors} field="target.stall_minutes">
              <input id="target-stall" type="number" min={1} value={t.stall_minutes ?? ""} onInput={(e) => set({ stall_minutes: value(e) ? Number(value(e)) : null })} />
            </Field>
          ) : (
            <Field id="target-after" label="Ignore steps up to (optional)" errors={errors} field="target.after_step" hint="e.g. 5: judge validation accuracy only after epoch 5.">
              <input id="target-after" type="number" min={0} value={t.after_step ?? ""} onInput={(e) => set({ after_step: value(e) ? Number(value(e)) : null })} />
            </Field>
          )}
        </>
      )}
    </fieldset>
  );
}

export function ConditionFields(props: { form: ConditionForm; onChange: (f: ConditionForm) => void; errors: FieldErrors; unit: string; runState: boolean }) {
  const { form: f, errors } = props;
  const set = (change: Partial<ConditionForm>) => props.onChange({ ...f, ...change });
  const kindHelp = CONDITION_KINDS.find(([k]) => k === f.kind)?.[2];
  const verdicts = props.runState ? RUN_STATES : MONITOR_VERDICTS;
  return (
    <fieldset class="al-fieldset">
      <legend>When to fire</legend>
      <Field id="condition-kind" label="The value…" errors={errors} field="condition.kind" hint={kindHelp}>
        <select id="condition-kind" value={f.kind} onChange={(e) => set({ kind: value(e) as ConditionForm["kind"] })}>
          {CONDITION_KINDS.map(([k, label]) => (
            <option value={k} key={k}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      {f.kind === "threshold" ? (
        <div class="al-row">
          <Field id="condition-op" label="Fires when the value is" errors={errors} field="condition.op">
            <select id="condition-op" value={f.op} onChange={(e) => set({ op: value(e) as ConditionForm["op"] })}>
              <option value="above">above (&gt;)</option>
              <option value="below">below (&lt;)</option>
              <option value="outside">outside a band</option>
              <option value="inside">inside a band</option>
            </select>
          </Field>
          {f.op === "above" || f.op === "below" ? (
            <Field id="condition-value" label="Threshold" errors={errors} field="condition.value">
              <input id="condition-value" type="number" step="any" class="al-short" value={f.value} onInput={(e) => set({ value: value(e) })} />
            </Field>
          ) : (
            <>
              <Field id="condition-low" label="From" errors={errors} field="condition.low">
                <input id="condition-low" type="number" step="any" class="al-short" value={f.low} onInput={(e) => set({ low: value(e) })} />
              </Field>
              <Field id="condition-high" label="To" errors={errors} field="condition.high">
                <input id="condition-high" type="number" step="any" class="al-short" value={f.high} onInput={(e) => set({ high: value(e) })} />
              </Field>
            </>
          )}
        </div>
      ) : null}
      {f.kind === "verdict" ? (
        <Field id="condition-verdicts" label={props.runState ? "Fires when a run is" : "Fires when the verdict is"} errors={errors} field="condition.verdicts">
          <div class="al-checks" id="condition-verdicts">
            {verdicts.map((v) => (
              <label key={v} title={verdictTerm(v).help}>
                <input
                  type="checkbox"
                  checked={f.verdicts.includes(v)}
                  onChange={(e) => set({ verdicts: (e.target as HTMLInputElement).checked ? [...f.verdicts, v] : f.verdicts.filter((x) => x !== v) })}
                />{" "}
                {props.runState ? v : verdictTerm(v).name}
              </label>
            ))}
          </div>
        </Field>
      ) : null}
      {f.kind === "change" ? (
        <div class="al-row">
          <Field id="condition-direction" label="Fires when the value" errors={errors} field="condition.direction">
            <select id="condition-direction" value={f.direction} onChange={(e) => set({ direction: value(e) as ConditionForm["direction"] })}>
              <option value="drop">drops</option>
              <option value="rise">rises</option>
              <option value="either">moves either way</option>
            </select>
          </Field>
          <Field id="condition-relative" label="by more than (%)" errors={errors} field="condition.relative">
            <input id="condition-relative" type="number" step="any" min={0} class="al-short" value={f.relativePct} onInput={(e) => set({ relativePct: value(e) })} />
          </Field>
          <Field id="condition-baseline" label="from" errors={errors} field="condition.baseline">
            <select id="condition-baseline" value={f.baseline} onChange={(e) => set({ baseline: value(e) as ConditionForm["baseline"] })}>
              <option value="reference">the reference value</option>
              <option value="previous">the previous {props.unit.replace(/s$/, "")}</option>
              <option value="first">the first {props.unit.replace(/s$/, "")}</option>
              <option value="rolling">the mean of the last N</option>
            </select>
          </Field>
          {f.baseline === "rolling" ? (
            <Field id="condition-baseline-windows" label="N" errors={errors} field="condition.baseline_windows">
              <input id="condition-baseline-windows" type="number" min={1} class="al-short" value={f.baselineWindows} onInput={(e) => set({ baselineWindows: value(e) })} />
            </Field>
          ) : null}
        </div>
      ) : null}
      {f.kind === "anomaly" ? (
        <>
          <div class="al-row">
            <Field id="condition-method" label="Band learnt from" errors={errors} field="condition.method">
              <select id="condition-method" value={f.method} onChange={(e) => set({ method: value(e) as ConditionForm["method"] })}>
                <option value="zscore">the last N values (z-score)</option>
                <option value="ewma">all past values, recent ones weigh more (EWMA)</option>
              </select>
            </Field>
            <Field id="condition-window" label="N" errors={errors} field="condition.window">
              <input id="condition-window" type="number" min={2} class="al-short" value={f.window} onInput={(e) => set({ window: value(e) })} />
            </Field>
            <Field id="condition-k" label="Width (± standard deviations)" errors={errors} field="condition.k">
              <input id="condition-k" type="number" step="any" min={0} class="al-short" value={f.k} onInput={(e) => set({ k: value(e) })} />
            </Field>
          </div>
          <div class="al-row">
            <Field id="condition-warmup" label="Judge nothing for the first" errors={errors} field="condition.warmup" hint={props.unit}>
              <input id="condition-warmup" type="number" min={2} class="al-short" value={f.warmup} onInput={(e) => set({ warmup: value(e) })} />
            </Field>
            <Field id="condition-anomaly-direction" label="Fires on" errors={errors} field="condition.direction">
              <select id="condition-anomaly-direction" value={f.anomalyDirection} onChange={(e) => set({ anomalyDirection: value(e) as ConditionForm["anomalyDirection"] })}>
                <option value="either">either side</option>
                <option value="above">unusually high only</option>
                <option value="below">unusually low only</option>
              </select>
            </Field>
            <Field id="condition-seasonal" label="Seasonality" errors={errors} field="condition.seasonal">
              <select id="condition-seasonal" value={f.seasonal} onChange={(e) => set({ seasonal: value(e) as ConditionForm["seasonal"] })}>
                <option value="none">none</option>
                <option value="day_of_week">each weekday on its own</option>
              </select>
            </Field>
          </div>
        </>
      ) : null}
      <Field
        id="condition-for"
        label={`Fire only after this many ${props.unit} in a row breach`}
        errors={errors}
        field="condition.for_windows"
        hint={`1 fires at the first breaching ${props.unit.replace(/s$/, "")}; 2 or more ignore one-off blips.`}
      >
        <input id="condition-for" type="number" min={1} class="al-short" value={f.forWindows} onInput={(e) => set({ forWindows: value(e) })} />
      </Field>
    </fieldset>
  );
}
