// The top bar's "Alerts" entry, with the number of firing alerts of every project. It asks
// again when the page changes, when an alerts page acknowledges or resolves one, and every
// minute.
import { useEffect, useState } from "preact/hooks";
import { Link } from "../../components/Link";
import { alertsPath } from "../../lib/route";
import { ALERTS_CHANGED, listAlerts } from "./api";
import "./alerts.css";

/** Counting stops here: the badge says "99+". */
const CAP = 99;
const EVERY_MS = 60_000;

export function AlertsNavLink(props: { current: boolean; pathname: string }) {
  const [firing, setFiring] = useState<number | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const again = () => setTick((n) => n + 1);
    window.addEventListener(ALERTS_CHANGED, again);
    const timer = setInterval(again, EVERY_MS);
    return () => {
      window.removeEventListener(ALERTS_CHANGED, again);
      clearInterval(timer);
    };
  }, []);
  useEffect(() => {
    const abort = new AbortController();
    listAlerts({ states: ["firing"], limit: CAP + 1 }, abort.signal).then(
      (alerts) => setFiring(alerts.length),
      () => undefined, // the badge is a convenience: the inbox itself reports errors
    );
    return () => abort.abort();
  }, [props.pathname, tick]);
  const label = firing ? (firing > CAP ? `${CAP}+` : String(firing)) : null;
  return (
    <Link href={alertsPath()} class={`nav-link${props.current ? " current" : ""}`}>
      Alerts
      {label ? " " : null}
      {label ? (
        <span class="al-nav-count" title={`${firing! > CAP ? `More than ${CAP}` : label} firing ${firing === 1 ? "alert" : "alerts"}`} aria-label={`${label} firing`}>
          {label}
        </span>
      ) : null}
    </Link>
  );
}
