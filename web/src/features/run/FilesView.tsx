// Files captured with the run: the script's code, installed packages, the git diff.
import { useEffect, useState } from "preact/hooks";
import { ApiError, getFileText } from "../../api/client";
import { Link } from "../../components/Link";
import { Message } from "../../components/Message";
import { tabPath } from "./tabs";

const DESCRIPTIONS: Record<string, string> = {
  "requirements.txt": "installed packages",
  "git/diff.patch": "uncommitted changes (git diff HEAD)",
};

function describe(path: string): string {
  if (path.startsWith("code/")) return "the script that started the run";
  return DESCRIPTIONS[path] ?? "";
}

export function FilesView(props: { runId: string; files: string[]; open: string | null }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const open = props.open ?? props.files[0] ?? null;

  useEffect(() => {
    setText(null);
    setError(null);
    if (!open) return;
    getFileText(props.runId, open).then(setText, (e: ApiError) => setError(e));
  }, [props.runId, open]);

  if (!props.files.length)
    return <p class="muted">No files were captured. The SDK keeps the script, installed packages and the git diff unless capture is turned off.</p>;
  return (
    <div class="files">
      <ul class="file-list">
        {props.files.map((path) => (
          <li key={path} class={path === open ? "current" : ""}>
            <Link href={tabPath(props.runId, "files", path)}>{path}</Link>
            <div class="muted">{describe(path)}</div>
          </li>
        ))}
      </ul>
      <section class="file-view">
        {error ? <Message kind="error" title={`${open} could not be read`}>{error.message}</Message> : null}
        {text === null && !error ? <p class="loading">Loading…</p> : null}
        {text !== null ? (
          <pre class="code file-text" aria-label={`Contents of ${open}`}>
            {open?.endsWith(".patch") || open?.endsWith(".diff") ? <DiffLines text={text} /> : text}
          </pre>
        ) : null}
      </section>
    </div>
  );
}

function DiffLines(props: { text: string }) {
  return (
    <>
      {props.text.split("\n").map((line, i) => {
        const kind = line.startsWith("+++") || line.startsWith("---") ? "diff-file" : line.startsWith("+") ? "diff-add" : line.startsWith("-") ? "diff-del" : line.startsWith("@@") ? "diff-hunk" : "";
        return (
          <span class={kind} key={i}>
            {line}
            {"\n"}
          </span>
        );
      })}
    </>
  );
}
