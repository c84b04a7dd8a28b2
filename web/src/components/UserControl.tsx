// "Signed in as": the name this browser acts as, typed once and kept in localStorage. The
// API client sends it as X-Headway-User, which the server records as the actor of artifact
// and registry changes. It is a label, not authentication.
import { useEffect, useRef, useState } from "preact/hooks";
import { getActingUser, setActingUser } from "../api/client";

export function UserControl() {
  const [user, setUser] = useState<string | null>(getActingUser);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  // Another tab changed the name: follow it.
  useEffect(() => {
    const onStorage = () => setUser(getActingUser());
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);
  useEffect(() => {
    if (editing) input.current?.focus();
  }, [editing]);

  const open = () => {
    setDraft(user ?? "");
    setProblem(null);
    setEditing(true);
  };
  const save = (e: Event) => {
    e.preventDefault();
    try {
      setUser(setActingUser(draft));
      setEditing(false);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };

  if (editing)
    return (
      <form class="user-control" aria-label="Signed in as" onSubmit={save}>
        <label for="user-name" class="muted">Signed in as</label>
        <input
          id="user-name"
          type="text"
          placeholder="your name"
          aria-label="Your name"
          autocomplete="username"
          maxLength={256}
          value={draft}
          ref={input}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
          aria-invalid={problem ? "true" : undefined}
          aria-describedby={problem ? "user-problem" : undefined}
        />
        <button type="submit" class="primary">Save</button>
        <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        {problem ? <span id="user-problem" class="inline-error" role="alert">{problem}</span> : null}
      </form>
    );
  return (
    <div class="user-control" role="group" aria-label="Signed in as">
      <span class="muted">Signed in as</span>
      <button type="button" class="user-name" onClick={open} title="Change the name your changes are recorded under">
        {user ?? "anonymous"}
      </button>
      {user ? null : <span class="user-hint">set your name so your changes are not recorded as anonymous</span>}
    </div>
  );
}
