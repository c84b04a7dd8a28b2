// Every change to a model, newest first, optionally one alias's; and "what was production
// on 3 March?" answered from the same history.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getAliasAt, getModelHistory, type ModelVersion, type RegisteredModel, type RegistryEvent } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { VirtualTable, type Column } from "../../components/VirtualTable";
import { formatTime } from "../../components/format";
import { runPath, versionPath } from "../../lib/route";
import { describeEvent, localInputValue } from "./events";

export function ModelHistory(props: { model: RegisteredModel; versions: ModelVersion[]; refresh: number }) {
  const { model } = props;
  const [alias, setAlias] = useState("");
  const [events, setEvents] = useState<RegistryEvent[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [known, setKnown] = useState<string[]>(Object.keys(model.aliases));

  useEffect(() => {
    setError(null);
    getModelHistory(model.name, alias).then(
      (found) => {
        setEvents(found);
        if (!alias) setKnown([...new Set([...Object.keys(model.aliases), ...found.flatMap((e) => (e.alias ? [e.alias] : []))])].sort());
      },
      (e: ApiError) => setError(e),
    );
  }, [model.name, alias, props.refresh]);

  const columns: Column<RegistryEvent>[] = [
    { key: "at", title: "When", width: 190, render: (e) => <span title={e.at}>{formatTime(e.at)}</span> },
    { key: "actor", title: "Who", width: 110, render: (e) => e.actor },
    { key: "action", title: "Event", width: 180, render: (e) => <span class={`event-${e.action}`}>{e.action.replace(/_/g, " ")}</span> },
    { key: "what", title: "What changed", width: 520, render: (e) => <span title={JSON.stringify(e.details)}>{describeEvent(e)}</span> },
  ];

  return (
    <div class="model-history">
      <AliasAt model={model} aliases={known} />
      <div class="section-tools">
        <h2>History</h2>
        <select aria-label="Filter history by alias" value={alias} onChange={(e) => setAlias((e.target as HTMLSelectElement).value)}>
          <option value="">Every event</option>
          {known.map((a) => (
            <option value={a} key={a}>
              Moves of {a}
            </option>
          ))}
        </select>
        <span class="muted">{events ? `${events.length.toLocaleString()} ${events.length === 1 ? "event" : "events"}, newest first` : ""}</span>
      </div>
      {error ? <Message kind="error" title="The history could not be loaded">{error.message}</Message> : null}
      {!events && !error ? <p class="loading">Loading history…</p> : null}
      {events && events.length === 0 ? <Message kind="info" title={`${alias} has never moved`} /> : null}
      {events && events.length > 0 ? (
        <VirtualTable label="Model history" rows={events} columns={columns} rowKey={(e) => String(e.id)} height={Math.min(560, 36 + events.length * 32)} />
      ) : null}
    </div>
  );
}

type Answer = { alias: string; time: Date; version: ModelVersion | null };

function AliasAt(props: { model: RegisteredModel; aliases: string[] }) {
  const [alias, setAlias] = useState(props.aliases.includes("production") ? "production" : (props.aliases[0] ?? ""));
  // Until the user picks a moment, the lookup asks about "now" (when Look up is pressed).
  const [when, setWhen] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  if (!props.aliases.length) return null;

  const ask = (e: Event) => {
    e.preventDefault();
    const time = when === null ? new Date() : new Date(when);
    if (Number.isNaN(time.getTime())) return;
    setError(null);
    getAliasAt(props.model.name, alias, time).then((version) => setAnswer({ alias, time, version }), (x: ApiError) => setError(x));
  };

  return (
    <form class="section-box alias-at" onSubmit={ask} aria-label="Alias at a time">
      <span>What was</span>
      <select aria-label="Alias to look up" value={alias} onChange={(e) => setAlias((e.target as HTMLSelectElement).value)}>
        {props.aliases.map((a) => (
          <option value={a} key={a}>
            {a}
          </option>
        ))}
      </select>
      <span>on</span>
      <input type="datetime-local" aria-label="Date and time" value={when ?? localInputValue(new Date())} step={1} onInput={(e) => setWhen((e.target as HTMLInputElement).value)} />
      <button type="submit">Look up</button>
      {error ? <Message kind="error" title="The lookup failed">{error.message}</Message> : null}
      {answer ? (
        <p class="alias-answer" role="status">
          {answer.version ? (
            <>
              On {answer.time.toLocaleString()}, <strong>{answer.alias}</strong> pointed at <strong>v{answer.version.version}</strong> (
              <Link href={versionPath(answer.version.project, answer.version.artifact, answer.version.artifact_version)}>
                {answer.version.artifact}:v{answer.version.artifact_version}
              </Link>
              {answer.version.run_id ? (
                <>
                  , run <Link href={runPath(answer.version.run_id)}>{answer.version.run_id}</Link>
                </>
              ) : null}
              ).
            </>
          ) : (
            <>
              On {answer.time.toLocaleString()}, <strong>{answer.alias}</strong> was not set.
            </>
          )}
        </p>
      ) : null}
    </form>
  );
}
