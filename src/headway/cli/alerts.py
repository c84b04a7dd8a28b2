"""``headway alert``: the inbox (ls, show, ack, resolve), ``alert rule …`` and
``alert channel …``. Every command goes through ``backend.alerts``, embedded or a server."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from headway.backend import alerts_wire as wire
from headway.backend.alerts import BaseAlerts
from headway.cli.alert_conditions import (
    SHORTHANDS,
    describe,
    duration,
    instant,
    parse_condition,
    target_text,
)
from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option
from headway.entities.alerts import (
    ALERT_STATES,
    CHANNEL_TYPES,
    SEVERITIES,
    Alert,
    Condition,
    RulePreview,
    RuleTarget,
)

#: Channel types that cannot work without their secret (asked for when not given).
_NEEDS_SECRET = ("slack", "pagerduty")


def _store(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--dir, --db and --url, handed to the command as one ``store`` dict."""

    def wrapped(store_dir: Path | None, db_url: str | None, url: str | None, **kw: Any) -> Any:
        return fn(store={"store_dir": store_dir, "db_url": db_url, "url": url}, **kw)

    wrapped.__name__, wrapped.__doc__ = fn.__name__, fn.__doc__
    return dir_option(db_option(url_option(wrapped)))


def _alerts(store: dict[str, Any]) -> BaseAlerts:
    return open_backend(build_settings(**store)).alerts


def _when(t: datetime | None) -> str:
    return "-" if t is None else t.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def _json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))


def _target_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--monitor", default=None, help="Watch this monitor's results."),
        click.option(
            "--model", default=None, help="Watch the monitors of name@alias (follows the alias)."
        ),
        click.option(
            "--runs",
            "runs_filter",
            default=None,
            help="Watch a metric of the runs matching this filter ('' for every run).",
        ),
        click.option("--kind", default=None, help="Result kind: drift, performance, quality, …"),
        click.option(
            "--subject",
            default="*",
            show_default=True,
            help="Feature, segment column or attribute; '*' is the whole window.",
        ),
        click.option(
            "--each-subject", is_flag=True, help="Watch every subject on its own (not '*')."
        ),
        click.option("--group", default="*", show_default=True, help="Segment value or group."),
        click.option("--metric", default=None, help="Method or metric; for --runs the metric key."),
        click.option("--after-step", type=int, default=None, help="Runs: ignore earlier steps."),
        click.option(
            "--stall-minutes",
            type=int,
            default=None,
            help="Runs with --metric _state: a running run this quiet counts as stalled.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _target(o: dict[str, Any]) -> RuleTarget | None:
    given = [k for k in ("monitor", "model", "runs_filter") if o[k] is not None]
    if not given:
        return None
    if len(given) > 1:
        raise click.UsageError("give one of --monitor, --model or --runs")
    if o["each_subject"] and o["subject"] != "*":
        raise click.UsageError("give --subject or --each-subject, not both")
    kind = {"monitor": "monitor", "model": "model", "runs_filter": "runs"}[given[0]]
    return RuleTarget(
        type=kind,  # type: ignore[arg-type]
        monitor=o["monitor"],
        model=o["model"],
        kind=o["kind"],
        subject=None if o["each_subject"] else o["subject"],
        group=o["group"],
        metric=o["metric"],
        filter=o["runs_filter"],
        after_step=o["after_step"],
        stall_minutes=o["stall_minutes"],
    )


def _condition_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--for",
        "for_windows",
        type=click.IntRange(1, 1000),
        default=None,
        help="Fire only after N breaching points in a row.",
    )(fn)
    return click.option(
        "--condition",
        default=None,
        help=f"JSON, or a shorthand: {SHORTHANDS}. A change's baseline defaults to the "
        "reference (monitors) or the first value (runs).",
    )(fn)


def _condition(text: str, for_windows: int | None, target: RuleTarget) -> Condition:
    baseline = "first" if target.type == "runs" else "reference"
    return parse_condition(text, for_windows=for_windows, default_baseline=baseline)


# -- the inbox ------------------------------------------------------------------------------


@click.group()
def alert() -> None:
    """Alerts: the inbox (ls, show, ack, resolve), rules and channels (docs/alerts.md)."""


def _alert_line(a: Alert) -> str:
    return (
        f"{a.id:>6}  {a.state:<12} {a.severity:<8} {_when(a.opened_at)}  {a.project:<16} {a.title}"
    )


@alert.command("ls")
@click.argument("project", required=False)
@click.option("--state", multiple=True, type=click.Choice(ALERT_STATES), help="Repeatable.")
@click.option("--severity", multiple=True, type=click.Choice(SEVERITIES), help="Repeatable.")
@click.option("--rule", default=None, help="Only alerts of this rule.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON list.")
@_store
def ls(
    project: str | None,
    state: tuple[str, ...],
    severity: tuple[str, ...],
    rule: str | None,
    limit: int,
    as_json: bool,
    store: dict[str, Any],
) -> None:
    """List alerts, newest first (every project unless PROJECT is given)."""
    found = _alerts(store).alerts(
        project=project, states=state, severities=severity, rule=rule, limit=limit
    )
    if as_json:
        _json([wire.alert_to_wire(a) for a in found])
        return
    if not found:
        click.echo("no alerts")
        return
    click.echo(
        f"{'ID':>6}  {'STATE':<12} {'SEVERITY':<8} {'OPENED (UTC)':<16}  {'PROJECT':<16} TITLE"
    )
    for a in found:
        click.echo(_alert_line(a))


@alert.command("show")
@click.argument("alert_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="The alert, its history and notifications.")
@_store
def show(alert_id: int, as_json: bool, store: dict[str, Any]) -> None:
    """Show an alert with its history and the notifications sent about it."""
    alerts = _alerts(store)
    a = alerts.get_alert(alert_id)
    events = alerts.alert_events(alert_id)
    notes = alerts.notifications(alert_id)
    if as_json:
        _json(
            {
                "alert": wire.alert_to_wire(a),
                "events": [wire.event_to_wire(e) for e in events],
                "notifications": [wire.notification_to_wire(n) for n in notes],
            }
        )
        return
    click.echo(f"alert {a.id} [{a.severity}] {a.state}: {a.title}")
    click.echo(f"  project {a.project} · rule {a.rule_name} · scope {a.scope}")
    if a.text:
        click.echo(f"  {a.text}")
    point = f"step {a.step}" if a.step is not None else _when(a.at)
    band = (
        "" if a.lower is None and a.upper is None else f" (band {_num(a.lower)} to {_num(a.upper)})"
    )
    click.echo(f"  value {_num(a.value)} at {point}{band}")
    click.echo(f"  opened {_when(a.opened_at)}")
    if a.acknowledged_at:
        click.echo(f"  acknowledged {_when(a.acknowledged_at)} by {a.acknowledged_by}")
    if a.resolved_at:
        click.echo(f"  resolved {_when(a.resolved_at)} by {a.resolved_by}")
    click.echo("history:")
    for e in events:
        by = f" ({e.by})" if e.by else ""
        click.echo(f"  {_when(e.at)}  {e.type:<14}{by} {e.message}")
    click.echo("notifications:" if notes else "notifications: none")
    for n in notes:
        error = f"  {n.last_error}" if n.last_error else ""
        click.echo(f"  {n.channel:<16} {n.event:<12} {n.state:<9} {n.attempts} attempt(s){error}")


@alert.command("ack")
@click.argument("alert_id", metavar="ID", type=int)
@click.option("--note", default="", help="What you are doing about it (kept in the history).")
@_store
def ack(alert_id: int, note: str, store: dict[str, Any]) -> None:
    """Acknowledge an alert: someone is looking into it (notifies the channels)."""
    a = _alerts(store).acknowledge(alert_id, note)
    click.echo(f"alert {a.id} {a.state} by {a.acknowledged_by}: {a.title}")


@alert.command("resolve")
@click.argument("alert_id", metavar="ID", type=int)
@click.option("--note", default="", help="What fixed it (kept in the history).")
@_store
def resolve(alert_id: int, note: str, store: dict[str, Any]) -> None:
    """Resolve an alert by hand (notifies the channels)."""
    a = _alerts(store).resolve(alert_id, note)
    click.echo(f"alert {a.id} {a.state} by {a.resolved_by}: {a.title}")


# -- rules ----------------------------------------------------------------------------------


@alert.group("rule")
def rule() -> None:
    """Alert rules: what to watch, when it breaches, whom to tell."""


@rule.command("create")
@click.argument("project")
@click.argument("name")
@_target_options
@_condition_options
@click.option("--severity", type=click.Choice(SEVERITIES), default="warning", show_default=True)
@click.option(
    "--channel", "channels", multiple=True, help="Notify this channel (repeatable; default all)."
)
@click.option(
    "--cooldown",
    type=click.IntRange(0),
    default=0,
    help="Seconds after a resolve before the same scope may open again.",
)
@click.option("--description", default="", help="Why the rule exists, for whoever is paged.")
@click.option("--update", is_flag=True, help="Replace the settings of an existing rule.")
@_store
def rule_create(
    project: str,
    name: str,
    condition: str | None,
    for_windows: int | None,
    severity: str,
    channels: tuple[str, ...],
    cooldown: int,
    description: str,
    update: bool,
    store: dict[str, Any],
    **where: Any,
) -> None:
    """Create a rule on a monitor (--monitor), a model's monitors (--model name@alias) or
    runs (--runs FILTER --metric KEY), e.g. --condition below:0.7 --for 2."""
    target = _target(where)
    if target is None:
        raise click.UsageError("give what the rule watches: --monitor, --model or --runs")
    if condition is None:
        raise click.UsageError("give --condition (JSON or a shorthand such as above:0.1)")
    alerts = _alerts(store)
    r = alerts.create_rule(
        project,
        name,
        target=target,
        condition=_condition(condition, for_windows, target),
        severity=severity,
        channels=channels,
        cooldown_seconds=cooldown,
        description=description,
        exist_ok=update,
    )
    firing = alerts.alerts(project=project, rule=r.name, states=("firing", "acknowledged"))
    click.echo(
        f"rule {r.project}/{r.name}: {describe(r.condition)} on {target_text(r.target)} "
        f"[{r.severity}]; {len(firing)} alert(s) open"
    )


def _rule_line(r: Any) -> str:
    status = "enabled" if r.enabled else "disabled"
    if r.muted_until is not None and r.muted_until > datetime.now(UTC):
        status += f", muted until {_when(r.muted_until)}"
    return (
        f"{r.project}/{r.name:<24} {r.severity:<8} {describe(r.condition):<22} "
        f"{target_text(r.target)}  ({status})"
    )


@rule.command("ls")
@click.argument("project", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON list.")
@_store
def rule_ls(project: str | None, as_json: bool, store: dict[str, Any]) -> None:
    """List alert rules (every project unless PROJECT is given)."""
    found = _alerts(store).rules(project)
    if as_json:
        _json([wire.rule_to_wire(r) for r in found])
        return
    for r in found:
        click.echo(_rule_line(r))
    if not found:
        click.echo("no alert rules")


@rule.command("show")
@click.argument("project")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="The rule as JSON.")
@_store
def rule_show(project: str, name: str, as_json: bool, store: dict[str, Any]) -> None:
    """Show a rule and its open alerts."""
    alerts = _alerts(store)
    r = alerts.get_rule(project, name)
    if as_json:
        _json(wire.rule_to_wire(r))
        return
    click.echo(_rule_line(r))
    click.echo(f"  condition {json.dumps(r.condition.to_dict())}")
    click.echo(f"  target    {json.dumps(wire.target_to_wire(r.target))}")
    click.echo(f"  channels  {', '.join(r.channels) or 'every enabled channel'}")
    if r.cooldown_seconds:
        click.echo(f"  cooldown  {r.cooldown_seconds} s")
    if r.description:
        click.echo(f"  {r.description}")
    open_now = alerts.alerts(project=project, rule=name, states=("firing", "acknowledged"))
    click.echo(f"open alerts: {len(open_now)}")
    for a in open_now:
        click.echo(_alert_line(a))


def _rule_change(
    verb: str, help_text: str, change: Callable[[BaseAlerts, str, str], Any]
) -> click.Command:
    @click.argument("project")
    @click.argument("name")
    @_store
    def command(project: str, name: str, store: dict[str, Any]) -> None:
        r = change(_alerts(store), project, name)
        click.echo(_rule_line(r))

    command.__doc__ = help_text
    return rule.command(verb)(command)


_rule_change("enable", "Enable a rule.", lambda a, p, n: a.set_rule_enabled(p, n, True))
_rule_change(
    "disable",
    "Disable a rule (its open alerts stay open).",
    lambda a, p, n: a.set_rule_enabled(p, n, False),
)
_rule_change(
    "unmute", "Notify the channels about this rule again.", lambda a, p, n: a.mute_rule(p, n, None)
)


@rule.command("mute")
@click.argument("project")
@click.argument("name")
@click.option("--for", "how_long", default=None, help="How long: 30m, 2h, 1d, 1w.")
@click.option("--until", default=None, help="Until when (ISO 8601, UTC unless an offset).")
@_store
def rule_mute(
    project: str, name: str, how_long: str | None, until: str | None, store: dict[str, Any]
) -> None:
    """Keep a rule quiet: its alerts open and resolve, but nobody is notified."""
    if (how_long is None) == (until is None):
        raise click.UsageError("give --for DURATION or --until DATE")
    end = datetime.now(UTC) + duration(how_long) if how_long else instant(str(until))
    click.echo(_rule_line(_alerts(store).mute_rule(project, name, end)))


@rule.command("delete")
@click.argument("project")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_store
def rule_delete(project: str, name: str, yes: bool, store: dict[str, Any]) -> None:
    """Delete a rule; the alerts it opened stay in the history."""
    if not yes:
        click.confirm(f"Delete alert rule {project}/{name}?", abort=True)
    _alerts(store).delete_rule(project, name)
    click.echo(f"deleted rule {project}/{name}")


@rule.command("evaluate")
@click.argument("project")
@click.argument("name")
@_store
def rule_evaluate(project: str, name: str, store: dict[str, Any]) -> None:
    """Evaluate a rule now; prints the alerts that opened or resolved."""
    changed = _alerts(store).evaluate_rule(project, name)
    for a in changed:
        click.echo(_alert_line(a))
    click.echo(f"{len(changed)} alert(s) opened or resolved")


def _preview_table(p: RulePreview) -> list[str]:
    marks = dict(p.transitions)
    lines = [f"{p.label}  ({p.scope})"]
    lines.append(f"  {'POINT':<16} {'VALUE':>10} {'BAND':>21}  {'VERDICT':<18} BREACH FIRING")
    for i, value in enumerate(p.values):
        step = p.steps[i]
        point = f"step {step}" if step is not None else _when(p.times[i])
        band = f"{_num(p.lower[i])} .. {_num(p.upper[i])}"
        verdict = p.verdicts[i] if p.verdicts is not None else ""
        note = {"firing": "  <- fires", "resolved": "  <- resolves"}.get(marks.get(i, ""), "")
        lines.append(
            f"  {point:<16} {_num(value):>10} {band:>21}  {verdict:<18} "
            f"{'x' if p.breach[i] else '.':^6} {'FIRING' if p.firing[i] else '':<6}{note}"
        )
    return lines


@rule.command("preview")
@click.argument("project")
@click.argument("name", required=False)
@_target_options
@_condition_options
@click.option("--last", type=click.IntRange(1, 1000), default=30, show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Also scopes that never breach.")
@click.option("--json", "as_json", is_flag=True, help="The previews as JSON.")
@_store
def rule_preview(
    project: str,
    name: str | None,
    condition: str | None,
    for_windows: int | None,
    last: int,
    show_all: bool,
    as_json: bool,
    store: dict[str, Any],
    **where: Any,
) -> None:
    """When a rule would have fired over the last points; stores nothing.

    Preview the rule NAME, or a draft (target options and --condition); with NAME, a
    --condition or target given replaces the rule's own.
    """
    alerts = _alerts(store)
    target = _target(where)
    if name is not None:
        stored = alerts.get_rule(project, name)
        target = target or stored.target
        cond = _condition(condition, for_windows, target) if condition else stored.condition
    elif target is None or condition is None:
        raise click.UsageError(
            "give a rule NAME, or a target (--monitor, --model or --runs) and --condition"
        )
    else:
        cond = _condition(condition, for_windows, target)
    previews = alerts.preview(project, target=target, condition=cond, last=last)
    if as_json:
        _json([wire.preview_to_wire(p) for p in previews])
        return
    shown = [p for p in previews if show_all or any(p.breach)]
    for p in shown:
        click.echo("\n".join(_preview_table(p)))
    quiet = len(previews) - len(shown)
    firing = sum(1 for p in previews if p.firing and p.firing[-1])
    click.echo(
        f"{len(previews)} scope(s), {firing} firing now"
        + (f"; {quiet} never breached (--all shows them)" if quiet else "")
    )


# -- channels -------------------------------------------------------------------------------


@alert.group("channel")
def channel() -> None:
    """Where a project's alerts go: webhook, Slack, email, PagerDuty."""


def _read_secret(
    type: str, secret_env: str | None, secret_file: Path | None, ask: bool
) -> str | None:
    sources = [secret_env, secret_file, True if ask else None]
    if sum(x is not None for x in sources) > 1:
        raise click.UsageError("give one of --secret-env, --secret-file or --ask-secret")
    if secret_env is not None:
        value = os.environ.get(secret_env, "")
        if not value:
            raise click.UsageError(f"the environment variable {secret_env} is not set or empty")
        return value
    if secret_file is not None:
        return secret_file.read_text().strip()
    if ask or (type in _NEEDS_SECRET and sys.stdin.isatty()):
        return str(click.prompt(f"{type} secret", hide_input=True))
    if type in _NEEDS_SECRET:
        raise click.UsageError(
            f"a {type} channel needs its secret: --secret-env VAR or --secret-file PATH"
        )
    return None


@channel.command("add")
@click.argument("project")
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(CHANNEL_TYPES), required=True)
@click.option("--endpoint", default=None, help="webhook: where to POST; pagerduty: a proxy.")
@click.option("--secret-env", default=None, help="Read the secret from this environment variable.")
@click.option(
    "--secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read the secret from this file.",
)
@click.option("--ask-secret", is_flag=True, help="Type the secret in (hidden).")
@click.option("--host", default=None, help="email: the SMTP server.")
@click.option("--port", type=int, default=None, help="email: the SMTP port.")
@click.option("--sender", default=None, help="email: the From address.")
@click.option("--to", multiple=True, help="email: a recipient (repeatable).")
@click.option("--security", default=None, help="email: starttls (default), tls or none.")
@click.option("--username", default=None, help="email: the SMTP login.")
@click.option("--ca-file", default=None, help="email: CA bundle for a private SMTP server.")
@click.option("--min-severity", type=click.Choice(SEVERITIES), default="info", show_default=True)
@_store
def channel_add(
    project: str,
    name: str,
    type_: str,
    secret_env: str | None,
    secret_file: Path | None,
    ask_secret: bool,
    min_severity: str,
    to: tuple[str, ...],
    store: dict[str, Any],
    **settings: Any,
) -> None:
    """Add a channel. The secret (signing secret, Slack URL, SMTP password, routing key)
    is never a plain argument, which would stay in your shell history: it comes from
    --secret-env, --secret-file or a hidden prompt."""
    config = {k: v for k, v in settings.items() if v is not None}
    if to:
        config["to"] = list(to)
    secret = _read_secret(type_, secret_env, secret_file, ask_secret)
    c = _alerts(store).create_channel(
        project, name, type_, config, secret=secret, min_severity=min_severity
    )
    click.echo(
        f"channel {c.project}/{c.name} ({c.type}), {'with' if c.has_secret else 'no'} secret, "
        f"alerts from {c.min_severity}"
    )


@channel.command("ls")
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="One JSON list.")
@_store
def channel_ls(project: str, as_json: bool, store: dict[str, Any]) -> None:
    """List a project's channels (secrets are never shown)."""
    found = _alerts(store).channels(project)
    if as_json:
        _json([wire.channel_to_wire(c) for c in found])
        return
    for c in found:
        status = "enabled" if c.enabled else "disabled"
        secret = "secret set" if c.has_secret else "no secret"
        settings = ", ".join(f"{k}={v}" for k, v in sorted(c.config.items()))
        click.echo(
            f"{c.name:<20} {c.type:<10} from {c.min_severity:<8} {status:<9} {secret:<10} "
            f"{settings}"
        )
    if not found:
        click.echo("no channels")


@channel.command("test")
@click.argument("project")
@click.argument("name")
@_store
def channel_test(project: str, name: str, store: dict[str, Any]) -> None:
    """Send a test message now and print what the receiver answered (exit 1 on failure)."""
    t = _alerts(store).test_channel(project, name)
    status = f"HTTP {t.status_code}" if t.status_code is not None else "no HTTP status"
    click.echo(f"{'ok' if t.ok else 'failed'}: {status} in {t.duration_ms:.0f} ms")
    if t.error:
        click.echo(f"error: {t.error}")
    if t.response:
        click.echo(t.response)
    if not t.ok:
        sys.exit(1)


def _channel_change(verb: str, help_text: str, enabled: bool) -> click.Command:
    @click.argument("project")
    @click.argument("name")
    @_store
    def command(project: str, name: str, store: dict[str, Any]) -> None:
        c = _alerts(store).set_channel_enabled(project, name, enabled)
        click.echo(f"channel {c.project}/{c.name} {'enabled' if c.enabled else 'disabled'}")

    command.__doc__ = help_text
    return channel.command(verb)(command)


_channel_change("enable", "Send alerts to this channel again.", True)
_channel_change("disable", "Stop sending alerts to this channel (keeps its settings).", False)


@channel.command("delete")
@click.argument("project")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_store
def channel_delete(project: str, name: str, yes: bool, store: dict[str, Any]) -> None:
    """Delete a channel."""
    if not yes:
        click.confirm(f"Delete alert channel {project}/{name}?", abort=True)
    _alerts(store).delete_channel(project, name)
    click.echo(f"deleted channel {project}/{name}")


__all__ = ["alert", "describe", "parse_condition"]
