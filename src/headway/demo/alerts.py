"""The demo's alerts: three rules on the production monitor, sent to a local webhook receiver.

After the monitor is filled (:mod:`headway.demo.monitoring`), the demo adds the rules an
education team would start with, in plain words:

- **Inputs drifted** (warning): more than 30 % of the model's inputs drifted from the
  semester it was tested on — one alert for the whole monitor rather than one per feature,
  so the inbox stays readable; its root cause names the features.
- **Recall for at-risk students fell** (critical): of the students whose first language is
  "Other" and who drop out, the model flags clearly fewer than in the first weeks of the
  semester. Overall recall does not show it — with more students flagged from week 3, it
  stays at 0.68-0.73 — so the rule watches the recall (``tpr``) of the smallest language
  group, about one student in ten, on its own. The limit is 15 % under the group's recall
  in the weeks before the inputs drifted, read from the monitor itself.
- **Fairness gap for first-language groups** (critical): recall differs by more than 0.1
  between first-language groups (the equal opportunity difference).

They go to the channel ``demo-webhook``: a signed webhook to :class:`WebhookReceiver`, a
small HTTP server on 127.0.0.1 in this process that checks each delivery's signature and
logs it to ``demo-webhook.log`` in the store folder. Everything goes through the public SDK
(``headway.alerts``); deleting and disabling a channel and the root cause have no SDK
function yet, so they use the SDK's backend, as ``headway.alerts`` itself does.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

import headway
import headway.alerts
from headway.backend.base import BaseBackend
from headway.delivery.webhook import verify
from headway.demo.monitoring import MONITOR
from headway.entities.alerts import Alert, AlertRule, Cause
from headway.entities.monitoring import PredictionExplanation
from headway.errors import NotFound
from headway.sdk.connect import backend_for, make_settings

CHANNEL: Final = "demo-webhook"
LOG_NAME: Final = "demo-webhook.log"
DRIFT_RULE: Final = "Inputs drifted"
RECALL_RULE: Final = "Recall for at-risk students fell"
FAIRNESS_RULE: Final = "Fairness gap for first-language groups"
RULES: Final = (DRIFT_RULE, RECALL_RULE, FAIRNESS_RULE)
#: The group whose recall the recall rule watches: the smallest language group (about one
#: student in ten), whose missed dropouts overall recall barely registers.
WATCHED: Final = ("first_language", "Other")
#: The recall rule fires this far (relative) under the group's recall before the drift.
RECALL_DROP: Final = 0.15
#: Used only when the monitor has no labelled week before its inputs drift.
FALLBACK_RECALL_FLOOR: Final = 0.6
#: How long to wait for deliveries to arrive: inline in embedded mode, a server's worker
#: sends them a moment later.
DELIVERY_WAIT: Final = 10.0


@dataclass(frozen=True)
class Received:
    """One signed delivery the receiver accepted."""

    at: datetime
    event: str
    state: str
    severity: str
    title: str
    #: ``alert 12`` when the delivery names a Headway alert, else its dedup key.
    alert: str

    def line(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S}Z  {self.state:<12} {self.severity:<8} "
            f"{self.alert:<9} {self.title}"
        )


class WebhookReceiver:
    """A local receiver for a signed Headway webhook: stdlib ``http.server`` on 127.0.0.1
    (a free port) in a daemon thread.

    Each POST's ``X-Headway-Signature`` is checked with :func:`headway.delivery.webhook.verify`
    and :attr:`secret` (generated per receiver unless given); a bad one gets 401 and is only
    counted in :attr:`rejected`. An accepted alert is answered 204, kept in :attr:`received`
    and appended as one line to ``log_path``. Thread-safe; :meth:`start` and :meth:`stop`
    may be called more than once.
    """

    def __init__(self, log_path: str | os.PathLike[str], *, secret: str | None = None) -> None:
        self.log_path = Path(log_path)
        self.secret = secret or secrets.token_urlsafe(32)
        self.rejected = 0
        self._received: list[Received] = []
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/headway"

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def received(self) -> list[Received]:
        with self._changed:
            return list(self._received)

    def start(self) -> WebhookReceiver:
        if self._server is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            server.daemon_threads = True
            server.receiver = self  # type: ignore[attr-defined]
            self._server = server
            # A short poll interval: stop() waits for the loop to notice.
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name="headway-demo-webhook",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` deliveries have been received; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._received) >= count, timeout)

    def receive(self, headers: Mapping[str, str], body: bytes) -> int:
        """Check and record one delivery; returns the HTTP status to answer."""
        headers = {k.lower(): v for k, v in headers.items()}  # HTTP names ignore case
        if not verify(
            self.secret,
            headers.get("x-headway-timestamp", ""),
            body,
            headers.get("x-headway-signature", ""),
        ):
            with self._changed:
                self.rejected += 1
            return 401
        try:
            alert = json.loads(body)["alert"]
            key = str(alert["dedup_key"])
            number = key.rsplit("-", 1)[-1]
            item = Received(
                at=datetime.now(UTC),
                event=headers.get("x-headway-event", ""),
                state=str(alert["state"]),
                severity=str(alert["severity"]),
                title=str(alert["title"]),
                alert=f"alert {number}" if key.startswith("headway-alert-") else key,
            )
        except (ValueError, KeyError, TypeError):
            return 400
        with self._changed:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(item.line() + "\n")
            self._received.append(item)
            self._changed.notify_all()
        return 204


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        receiver: WebhookReceiver = self.server.receiver  # type: ignore[attr-defined]
        self.send_response(receiver.receive(dict(self.headers.items()), body))
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        # The demo prints the receiver's own log; request lines on stderr would be noise.
        pass


@dataclass(frozen=True)
class DemoAlerts:
    """What :func:`alert_on_monitor` set up and saw."""

    rules: tuple[AlertRule, ...]
    #: Open (firing or acknowledged) alerts of the demo's rules, in the rules' order.
    alerts: tuple[Alert, ...]
    #: Notifications the channel was sent for them in this run, and those received.
    sent: int
    received: tuple[Received, ...]
    #: The recall rule's limit and the group's recall it was derived from (None: fallback).
    recall_floor: float
    recall_before: float | None
    #: The recall alert's top causes (empty when it is not open).
    causes: tuple[Cause, ...]
    #: Why the highest-scored student of the last explained week was flagged.
    flagged: PredictionExplanation | None
    log_path: Path
    seconds: float

    def alert(self, rule: str) -> Alert | None:
        return next((a for a in self.alerts if a.rule_name == rule), None)


def webhook_log(dir: str | os.PathLike[str] | None = None, url: str | None = None) -> Path:
    """Where the receiver logs: ``demo-webhook.log`` in the store folder."""
    return Path(make_settings(dir, url).dir) / LOG_NAME


def _backend(dir: str | os.PathLike[str] | None, url: str | None) -> BaseBackend:
    return backend_for(make_settings(dir, url))


def connect_channel(
    project: str,
    receiver: WebhookReceiver,
    *,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
) -> None:
    """Point the channel ``demo-webhook`` at ``receiver`` (started), with its secret.

    A channel's endpoint and secret cannot be changed in place, and the previous run's
    receiver is gone with its process, so an existing ``demo-webhook`` is replaced.
    """
    backend = _backend(dir, url)
    if any(c.name == CHANNEL for c in headway.alerts.channels(project, backend=backend)):
        backend.alerts.delete_channel(project, CHANNEL)
    headway.alerts.channel(
        project,
        CHANNEL,
        "webhook",
        endpoint=receiver.start().url,
        secret=receiver.secret,
        backend=backend,
    )


def disconnect_channel(
    project: str,
    receiver: WebhookReceiver,
    *,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
) -> None:
    """Stop the receiver and disable ``demo-webhook``: with nobody listening, later
    notifications (an acknowledgement in ``headway ui``) would only fail and be retried.
    The next ``headway demo`` replaces the channel."""
    try:
        _backend(dir, url).alerts.set_channel_enabled(project, CHANNEL, False)
    except NotFound:
        pass
    finally:
        receiver.stop()


def alert_on_monitor(
    project: str,
    receiver: WebhookReceiver,
    *,
    dir: str | os.PathLike[str] | None = None,
    url: str | None = None,
    quiet: bool = False,
) -> DemoAlerts:
    """Add the demo's three rules to the monitor ``dropout-risk`` and report what fired.

    Needs the monitor and :func:`connect_channel` done with ``receiver``. A rule already
    stored with the same settings is left alone (a second run judges nothing again, so it
    opens nothing new); a different one is updated. Prints the rules, the open alerts, the
    receiver's deliveries and the recall alert's top causes unless ``quiet``.
    """
    started = time.perf_counter()
    backend = _backend(dir, url)
    floor, before = _recall_floor(project, dir, url)
    existing = {r.name: r for r in headway.alerts.rules(project, backend=backend)}
    rules = []
    for name, settings in _rule_settings(floor, before).items():
        rule = existing.get(name)
        if rule is None or not _same(rule, settings):
            rule = headway.alerts.rule(project, name, backend=backend, **settings)
        rules.append(rule)
    opened = headway.alerts.alerts(
        project, state=("firing", "acknowledged"), backend=backend, limit=1000
    )
    alerts = tuple(
        a for name in RULES for a in sorted(opened, key=lambda a: a.id) if a.rule_name == name
    )
    channel_id = next(
        (c.id for c in headway.alerts.channels(project, backend=backend) if c.name == CHANNEL),
        None,
    )
    sent = sum(
        n.channel_id == channel_id for a in alerts for n in backend.alerts.notifications(a.id)
    )
    receiver.wait_for(sent, DELIVERY_WAIT)
    recall = next((a for a in alerts if a.rule_name == RECALL_RULE), None)
    causes: tuple[Cause, ...] = ()
    if recall is not None:
        ranked = backend.alerts.root_cause(recall.id).causes
        # The top three, and the version that began scoring if it ranks lower.
        serving = [c for c in ranked[3:] if c.kind == "event" and "began scoring" in c.subject]
        causes = (*ranked[:3], *serving[:1])
    flagged = _flagged(project, backend)
    result = DemoAlerts(
        rules=tuple(rules),
        alerts=alerts,
        sent=sent,
        received=tuple(receiver.received),
        recall_floor=floor,
        recall_before=before,
        causes=causes,
        flagged=flagged,
        log_path=receiver.log_path,
        seconds=time.perf_counter() - started,
    )
    if not quiet:
        _print(project, result)
    return result


def _flagged(project: str, backend: BaseBackend) -> PredictionExplanation | None:
    results = backend.monitoring.results(project, MONITOR, kinds=["explanation"])
    shifts = [r for r in results if r.metric == "importance_shift" and r.detail.get("top_rows")]
    if not shifts:
        return None
    latest = max(shifts, key=lambda r: r.window_start)
    student = str(latest.detail["top_rows"][0]["row"])
    return backend.monitoring.explain_prediction(project, MONITOR, student)


def _recall_floor(
    project: str, dir: str | os.PathLike[str] | None, url: str | None
) -> tuple[float, float | None]:
    """The recall rule's limit: ``RECALL_DROP`` under the watched group's mean recall over
    the labelled weeks before the monitor's inputs first drifted, and that mean."""
    monitor = headway.Monitor.get(project, MONITOR, dir=dir, url=url)
    try:
        fairness = monitor.results("fairness")
        dataset = monitor.results("dataset")
    finally:
        monitor.close()
    drifted = dataset.loc[dataset["verdict"] == "drift", "window_start"]
    subject, group = WATCHED
    recall = fairness[
        (fairness["subject"] == subject)
        & (fairness["group"] == group)
        & (fairness["metric"] == "tpr")
        & fairness["value"].notna()
    ]
    if len(drifted):
        recall = recall[recall["window_start"] < drifted.min()]
    if recall.empty:
        return FALLBACK_RECALL_FLOOR, None
    before = float(recall["value"].mean())
    return round(before * (1 - RECALL_DROP), 2), before


def _rule_settings(floor: float, before: float | None) -> dict[str, dict[str, Any]]:
    """Each rule's arguments to :func:`headway.alerts.rule`."""
    subject, group = WATCHED
    was = f" (it flagged {before:.0%} in the weeks before the inputs drifted)" if before else ""
    return {
        DRIFT_RULE: {
            "monitor": MONITOR,
            "kind": "dataset",
            "metric": "drift_share",
            "condition": headway.alerts.Threshold(op="above", value=0.3),
            "severity": "warning",
            "description": (
                "More than 30% of the model's inputs drifted from the semester it was tested "
                "on: its scores may no longer mean what they did. The alert page names the "
                "features."
            ),
        },
        RECALL_RULE: {
            "monitor": MONITOR,
            "kind": "fairness",
            "subject": subject,
            "group": group,
            "metric": "tpr",
            "condition": headway.alerts.Threshold(op="below", value=floor),
            "severity": "critical",
            "description": (
                f"Of the students whose {subject.replace('_', ' ')} is {group} and who drop "
                f"out, the model flags fewer than {floor:.0%}{was}: advisers miss them."
            ),
        },
        FAIRNESS_RULE: {
            "monitor": MONITOR,
            "kind": "fairness",
            "subject": "first_language",
            "metric": "equal_opportunity_difference",
            "condition": headway.alerts.Threshold(op="above", value=0.1),
            "severity": "critical",
            "description": (
                "Recall differs by more than 0.1 between first-language groups (equal "
                "opportunity): students who will drop out are not flagged equally often."
            ),
        },
    }


def _same(rule: AlertRule, settings: Mapping[str, Any]) -> bool:
    target = headway.alerts.target(
        monitor=settings["monitor"],
        kind=settings["kind"],
        subject=settings.get("subject", "*"),
        group=settings.get("group", "*"),
        metric=settings["metric"],
    )
    return (
        rule.target == target
        and rule.condition == settings["condition"]
        and rule.severity == settings["severity"]
        and rule.description == settings["description"]
        and rule.channels == ()
    )


def _print(project: str, result: DemoAlerts) -> None:
    print(
        f"Alerts: {len(result.rules)} rules on {MONITOR}, sent to webhook {CHANNEL} "
        f"({result.seconds:.1f}s)",
        flush=True,
    )
    subject, group = WATCHED
    before = "" if result.recall_before is None else f" ({result.recall_before:.2f} before)"
    when = {
        DRIFT_RULE: "share of drifted inputs above 0.3",
        RECALL_RULE: f"recall for {subject}={group} below {result.recall_floor:.2f}{before}",
        FAIRNESS_RULE: "recall gap between first_language groups above 0.1",
    }
    for rule in result.rules:
        print(f"  {rule.name:<40} {rule.severity:<8} {when[rule.name]}", flush=True)
    print(f"Open alerts ({len(result.alerts)}):", flush=True)
    for a in result.alerts:
        since = str(a.source.get("first_at") or "")[:10]
        value = "" if a.value is None else f"  value {a.value:.2f}"
        print(f"  #{a.id:<4} {a.severity:<8} {a.title}{value}  since {since}", flush=True)
    print(
        f"Webhook receiver ({result.log_path}): {len(result.received)} signed deliveries "
        f"of {result.sent} sent this run"
        + (" (the alerts were already open: nobody is told twice)" if not result.sent else ""),
        flush=True,
    )
    for item in result.received:
        print(f"  {item.line()}", flush=True)
    recall = result.alert(RECALL_RULE)
    if recall is not None:
        print(f"Why recall fell (alert {recall.id}), top causes:", flush=True)
        for i, c in enumerate(result.causes, start=1):
            print(f"  {i}. {c.kind} {c.subject} (score {c.score:.2f}): {c.detail}", flush=True)
    why = result.flagged
    if why is not None:
        score = "" if why.score is None else f" (score {why.score:.2f})"
        print(
            f"Why was student {why.id} flagged{score}? {why.model} v{why.model_version}, "
            f"{why.method} in {why.output_space.replace('_', '-')}:",
            flush=True,
        )
        for part in why.contributions[:3]:
            print(f"  {part.feature} = {part.value}: {part.contribution:+.2f}", flush=True)
    print(f"  Inbox:       headway alert ls {project}", flush=True)
    if recall is not None:
        print(f"  Its history: headway alert show {recall.id}", flush=True)
    print(f"  Web UI:      /projects/{project}/alerts", flush=True)
