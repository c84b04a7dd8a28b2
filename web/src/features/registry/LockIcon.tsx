// A padlock for protected aliases, drawn (emoji fonts are not everywhere).
export function LockIcon(props: { role: string }) {
  return (
    <svg class="lock-icon" width="10" height="11" viewBox="0 0 10 11" role="img" aria-label={`protected (role ${props.role})`}>
      <title>{`Protected: moving it requires the role ${props.role}`}</title>
      <path d="M2.5 5V3.5a2.5 2.5 0 0 1 5 0V5" fill="none" stroke="currentColor" stroke-width="1.4" />
      <rect x="1" y="5" width="8" height="6" rx="1.2" fill="currentColor" />
    </svg>
  );
}
