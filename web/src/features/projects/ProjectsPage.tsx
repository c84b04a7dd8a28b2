import { useEffect, useState } from "preact/hooks";
import { ApiError, listProjects, type Project } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { formatAge } from "../../components/format";
import { projectPath } from "../../lib/route";

export const FIRST_RUN_CODE = `import headway

with headway.init(project="dropout-risk", config={"lr": 0.01}) as run:
    for epoch in range(10):
        run.log({"train/loss": 1 / (epoch + 1)})`;

export function ProjectsPage() {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    listProjects().then(setProjects, (e: ApiError) => setError(e));
  }, []);

  if (error) return <Message kind="error" title="Projects could not be loaded">{error.message}</Message>;
  if (!projects) return <p class="loading">Loading projects…</p>;
  if (projects.length === 0)
    return (
      <section class="empty">
        <h1>No projects yet</h1>
        <p>Log a first run from Python and it appears here:</p>
        <pre class="code">{FIRST_RUN_CODE}</pre>
        <p>
          Or run <code>headway demo</code> to fill this store with an example education project.
        </p>
      </section>
    );
  return (
    <section>
      <h1>Projects</h1>
      <table class="projects">
        <thead>
          <tr>
            <th>Project</th>
            <th class="num">Runs</th>
            <th>Last activity</th>
          </tr>
        </thead>
        <tbody>
          {projects.map((p) => (
            <tr key={p.name}>
              <td>
                <Link href={projectPath(p.name)}>{p.name}</Link>
              </td>
              <td class="num">{p.run_count.toLocaleString()}</td>
              <td title={p.last_activity ?? p.created_at}>{formatAge(p.last_activity ?? p.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
