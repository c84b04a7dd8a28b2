// Pieces every alerts page uses: severity and state badges (a word and a colour, never the
// colour alone), times with the exact moment on hover, the project's alerts tabs.
import type { ComponentChildren } from "preact";
import { Link } from "../../components/Link";
import { formatAge, formatTime } from "../../components/format";
import { alertChannelsPath, alertRulesPath, alertsPath, projectPath } from "../../lib/route";
import type { AlertState, Severity } from "./api";
import { SEVERITY_HELP, STATE_HELP } from "./inbox";
import "../monitoring/monitoring.css";
import "./alerts.css";

const SEVERITY_MARK: Record<Severity, string> = { critical: "▲", warning: "◆", info: "●" };
const STATE_MARK: Record<AlertState, string> = { firing: "●", acknowledged: "◐", resolved: "✓" };

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function SeverityBadge(props: { severity: Severity }) {
  return (
    <span class={`al-badge sev-${props.severity}`} title={SEVERITY_HELP[props.severity]}>
      <span aria-hidden="true">{SEVERITY_MARK[props.severity]}</span> {title(props.severity)}
    </span>
  );
}

export function StateBadge(props: { state: AlertState }) {
  return (
    <span class={`al-badge state-${props.state}`} title={STATE_HELP[props.state]}>
      <span aria-hidden="true">{STATE_MARK[props.state]}</span> {title(props.state)}
    </span>
  );
}

/** "3 hours ago", with the exact time on hover. */
export function Ago(props: { at: string | null | undefined }) {
  if (!props.at) return <span class="muted">–</span>;
  return (
    <time dateTime={props.at} title={formatTime(props.at)}>
      {formatAge(props.at)}
    </time>
  );
}

export type AlertsTab = "alerts" | "rules" | "channels";

/** A project's alerts pages: the title, a hint line under it, and their tabs. */
export function AlertsHeader(props: { project: string | null; tab: AlertsTab; title: string; hint: ComponentChildren; count?: string; tools?: ComponentChildren }) {
  const { project } = props;
  return (
    <>
      {project ? (
        <p class="crumbs">
          <Link href={projectPath(project)}>{project}</Link> /
        </p>
      ) : null}
      <header class="page-head al-head">
        <h1>{props.title}</h1>
        {props.count ? <span class="count">{props.count}</span> : null}
        {props.tools ? <span class="al-head-tools">{props.tools}</span> : null}
      </header>
      <p class="al-hint muted">{props.hint}</p>
      {project ? (
        <nav class="tabs" aria-label="Alerting">
          <Link href={alertsPath(project)} class={`tab${props.tab === "alerts" ? " current" : ""}`}>
            Alerts
          </Link>
          <Link href={alertRulesPath(project)} class={`tab${props.tab === "rules" ? " current" : ""}`}>
            Rules
          </Link>
          <Link href={alertChannelsPath(project)} class={`tab${props.tab === "channels" ? " current" : ""}`}>
            Channels
          </Link>
        </nav>
      ) : null}
    </>
  );
}

/** A server refusal shown under the field it names. */
export function FieldError(props: { id: string; message: string | null | undefined }) {
  if (!props.message) return null;
  return (
    <p class="al-field-error" id={props.id} role="alert">
      {props.message}
    </p>
  );
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
