import { Link } from "./components/Link";
import { Message } from "./components/Message";
import { UserControl } from "./components/UserControl";
import { AlertPage } from "./features/alerts/AlertPage";
import { AlertsPage } from "./features/alerts/AlertsPage";
import { ChannelsPage } from "./features/alerts/ChannelsPage";
import { AlertsNavLink } from "./features/alerts/NavBadge";
import { RuleEditor } from "./features/alerts/RuleEditor";
import { RulesPage } from "./features/alerts/RulesPage";
import { ArtifactPage } from "./features/artifacts/ArtifactPage";
import { ArtifactsPage } from "./features/artifacts/ArtifactsPage";
import { VersionPage } from "./features/artifacts/VersionPage";
import { ComparePage } from "./features/compare/ComparePage";
import { ProjectsPage } from "./features/projects/ProjectsPage";
import { RunPage } from "./features/run/RunPage";
import { ModelPage } from "./features/registry/ModelPage";
import { RegistryPage } from "./features/registry/RegistryPage";
import { MonitorPage } from "./features/monitoring/MonitorPage";
import { MonitorsPage } from "./features/monitoring/MonitorsPage";
import { RunsPage } from "./features/runs/RunsPage";
import { SweepPage } from "./features/sweeps/SweepPage";
import { SweepsPage } from "./features/sweeps/SweepsPage";
import { alertsPath, artifactsPath, monitorsPath, parseRoute, projectPath, registryPath, sweepsPath, useLocation, type Route } from "./lib/route";
import "./shell.css";

/** The project a page belongs to, for the project links in the top bar. */
function projectOf(route: Route): string | null {
  return "project" in route ? route.project : null; // null on the all-projects monitors list
}

export function App() {
  const { pathname, search } = useLocation();
  const route = parseRoute(pathname);
  const project = projectOf(route);
  return (
    <div class="shell">
      <nav class="topbar">
        <Link href="/" class="brand">Headway</Link>
        <Link href="/" class={`nav-link${route.page === "projects" ? " current" : ""}`}>Projects</Link>
        <Link href={registryPath()} class={`nav-link${route.page === "registry" || route.page === "model" ? " current" : ""}`}>Registry</Link>
        <Link href={monitorsPath()} class={`nav-link${route.page === "monitors" && !project ? " current" : ""}`}>Monitors</Link>
        <AlertsNavLink current={route.page === "alerts" && !project} pathname={pathname} />
        {project ? (
          <span class="project-nav" aria-label={`Project ${project}`}>
            <span class="muted">{project}:</span>
            <Link href={projectPath(project)} class={`nav-link${route.page === "runs" || route.page === "compare" ? " current" : ""}`}>Runs</Link>
            <Link href={sweepsPath(project)} class={`nav-link${route.page === "sweeps" || route.page === "sweep" ? " current" : ""}`}>Sweeps</Link>
            <Link href={artifactsPath(project)} class={`nav-link${route.page.startsWith("artifact") ? " current" : ""}`}>Artifacts</Link>
            <Link href={monitorsPath(project)} class={`nav-link${route.page === "monitors" || route.page === "monitor" ? " current" : ""}`}>Monitors</Link>
            <Link href={alertsPath(project)} class={`nav-link${route.page.startsWith("alert") ? " current" : ""}`}>Alerts</Link>
          </span>
        ) : null}
        <UserControl />
        <a href="/docs" class="api-link">API</a>
      </nav>
      <main>
        {route.page === "projects" ? <ProjectsPage /> : null}
        {route.page === "runs" ? <RunsPage project={route.project} search={search} /> : null}
        {route.page === "compare" ? <ComparePage project={route.project} search={search} /> : null}
        {route.page === "run" ? <RunPage runId={route.runId} search={search} /> : null}
        {route.page === "artifacts" ? <ArtifactsPage project={route.project} /> : null}
        {route.page === "artifact" ? <ArtifactPage project={route.project} name={route.name} search={search} /> : null}
        {route.page === "artifactVersion" ? <VersionPage project={route.project} name={route.name} version={route.version} search={search} /> : null}
        {route.page === "registry" ? <RegistryPage search={search} /> : null}
        {route.page === "model" ? <ModelPage name={route.name} search={search} /> : null}
        {route.page === "monitors" ? <MonitorsPage project={route.project} /> : null}
        {route.page === "monitor" ? <MonitorPage project={route.project} name={route.name} search={search} /> : null}
        {route.page === "alerts" ? <AlertsPage project={route.project} search={search} /> : null}
        {route.page === "alert" ? <AlertPage project={route.project} id={route.id} /> : null}
        {route.page === "alertRules" ? <RulesPage project={route.project} search={search} /> : null}
        {route.page === "alertRule" ? <RuleEditor project={route.project} name={route.name} search={search} key={`${route.project}/${route.name}`} /> : null}
        {route.page === "alertChannels" ? <ChannelsPage project={route.project} /> : null}
        {route.page === "sweeps" ? <SweepsPage project={route.project} /> : null}
        {route.page === "sweep" ? <SweepPage project={route.project} id={route.id} key={route.id} /> : null}
        {route.page === "missing" ? (
          <Message kind="error" title="This page does not exist">
            Nothing lives at <code>{route.path}</code>. <Link href="/">See all projects.</Link>
          </Message>
        ) : null}
      </main>
    </div>
  );
}
