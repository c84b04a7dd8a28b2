"""Reading and writing ``headway alert`` conditions and targets: the shorthand
(``above:0.1``, ``drop:10%``, ``zscore:3``), durations and instants, and one-line
descriptions of rules."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import click

from headway.entities.alerts import (
    Anomaly,
    Change,
    Condition,
    IsNan,
    RuleTarget,
    Threshold,
    Verdict,
    condition_from_dict,
)
from headway.errors import InvalidArgument

SHORTHANDS = (
    "above:V, below:V, outside:LOW:HIGH, inside:LOW:HIGH, nan, drift, verdict:V1,V2, "
    "drop:10%, rise:10%, change:10% (then optionally :BASELINE[:N]), zscore:K, ewma:K "
    "(then optionally :WINDOW)"
)


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidArgument(f"{what} must be a number, not {text!r}") from None


def _relative(text: str) -> float:
    """``10%`` → 0.1; a bare number is already a fraction (``0.1``)."""
    if text.endswith("%"):
        return _number(text[:-1], "the change") / 100
    return _number(text, "the change")


def _shorthand(text: str, default_baseline: str) -> Condition:
    head, *args = text.split(":")
    head = head.strip().lower()

    def arity(*allowed: int) -> None:
        if len(args) not in allowed:
            raise InvalidArgument(f"{head} takes {' or '.join(map(str, allowed))} value(s)")

    if head in ("above", "below"):
        arity(1)
        return Threshold(op=head, value=_number(args[0], head))  # type: ignore[arg-type]
    if head in ("outside", "inside"):
        arity(2)
        low, high = (_number(a, head) for a in args)
        return Threshold(op=head, low=low, high=high)  # type: ignore[arg-type]
    if head == "nan":
        arity(0)
        return IsNan()
    if head == "drift":
        arity(0)
        return Verdict(verdicts=("drift",))
    if head == "verdict":
        arity(1)
        return Verdict(verdicts=tuple(v.strip() for v in args[0].split(",") if v.strip()))
    if head in ("drop", "rise", "change"):
        arity(1, 2, 3)
        baseline = args[1] if len(args) > 1 else default_baseline
        windows = int(_number(args[2], "the baseline window")) if len(args) > 2 else 1
        return Change(
            direction="either" if head == "change" else head,  # type: ignore[arg-type]
            relative=_relative(args[0]),
            baseline=baseline,  # type: ignore[arg-type]
            baseline_windows=windows,
        )
    if head in ("zscore", "ewma"):
        arity(1, 2)
        k = _number(args[0], "k")
        if len(args) == 2:
            window = int(_number(args[1], "the window"))
            return Anomaly(method=head, k=k, window=window)  # type: ignore[arg-type]
        return Anomaly(method=head, k=k)  # type: ignore[arg-type]
    raise InvalidArgument(f"unknown condition {head!r}")


def parse_condition(
    text: str, *, for_windows: int | None = None, default_baseline: str = "reference"
) -> Condition:
    """A condition from JSON (its ``to_dict()`` form) or a shorthand such as ``above:0.1``.

    Raises:
        click.BadParameter: naming what is wrong and the forms accepted (exit status 2).
    """
    text = text.strip()
    try:
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidArgument(f"not valid JSON: {exc}") from None
            if for_windows is not None and isinstance(data, dict):
                data["for_windows"] = for_windows
            return condition_from_dict(data)
        condition = _shorthand(text, default_baseline)
        if for_windows is not None:
            condition = condition_from_dict({**condition.to_dict(), "for_windows": for_windows})
        return condition
    except InvalidArgument as exc:
        raise click.BadParameter(
            f"cannot read {text!r}: {exc.message}. Use JSON such as "
            f'\'{{"kind": "threshold", "op": "above", "value": 0.1}}\' or a shorthand: '
            f"{SHORTHANDS}",
            param_hint="'--condition'",
        ) from None


def describe(condition: Condition) -> str:
    """The shorthand of a condition where there is one, else its JSON."""
    c = condition
    tail = f" for {c.for_windows}" if c.for_windows != 1 else ""
    if isinstance(c, Threshold):
        bound = f"{c.value:g}" if c.op in ("above", "below") else f"{c.low:g}:{c.high:g}"
        return f"{c.op}:{bound}{tail}"
    if isinstance(c, IsNan):
        return f"nan{tail}"
    if isinstance(c, Verdict):
        return f"verdict:{','.join(c.verdicts)}{tail}"
    if isinstance(c, Change):
        head = "change" if c.direction == "either" else c.direction
        windows = f":{c.baseline_windows}" if c.baseline == "rolling" else ""
        return f"{head}:{100 * c.relative:g}%:{c.baseline}{windows}{tail}"
    return json.dumps(c.to_dict())


def target_text(t: RuleTarget) -> str:
    if t.type == "runs":
        where = f"runs {t.filter!r}" if t.filter else "every run"
        text = f"{where} · {t.metric}"
        if t.after_step is not None:
            text += f" after step {t.after_step}"
        return text
    what = [f"monitor {t.monitor}" if t.type == "monitor" else f"model {t.model}"]
    what.append(t.kind or "any kind")
    what.append("each subject" if t.subject is None else t.subject)
    if t.group != "*":
        what.append(t.group)
    if t.metric:
        what.append(t.metric)
    return " · ".join(what)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def duration(text: str) -> timedelta:
    found = _DURATION.match(text)
    if not found:
        raise click.BadParameter(
            f"{text!r} is not a duration: use e.g. 30m, 2h, 1d, 1w", param_hint="'--for'"
        )
    return timedelta(**{_UNITS[found.group(2)]: float(found.group(1))})


def instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date: use ISO 8601, e.g. 2026-11-30T08:00", param_hint="'--until'"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
