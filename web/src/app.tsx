import { Link } from "./components/Link";
import { Message } from "./components/Message";
import { ComparePage } from "./features/compare/ComparePage";
import { ProjectsPage } from "./features/projects/ProjectsPage";
import { RunPage } from "./features/run/RunPage";
import { RunsPage } from "./features/runs/RunsPage";
import { parseRoute, useLocation } from "./lib/route";

export function App() {
  const { pathname, search } = useLocation();
  const route = parseRoute(pathname);
  return (
    <div class="shell">
      <nav class="topbar">
        <Link href="/" class="brand">Headway</Link>
        <a href="/docs" class="api-link">API</a>
      </nav>
      <main>
        {route.page === "projects" ? <ProjectsPage /> : null}
        {route.page === "runs" ? <RunsPage project={route.project} search={search} /> : null}
        {route.page === "compare" ? <ComparePage project={route.project} search={search} /> : null}
        {route.page === "run" ? <RunPage runId={route.runId} search={search} /> : null}
        {route.page === "missing" ? (
          <Message kind="error" title="This page does not exist">
            Nothing lives at <code>{route.path}</code>. <Link href="/">See all projects.</Link>
          </Message>
        ) : null}
      </main>
    </div>
  );
}
