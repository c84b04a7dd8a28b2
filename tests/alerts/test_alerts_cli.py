"""``headway alert …`` over the embedded store: channels whose secret comes from the
environment or a file, rules from shorthand conditions, the inbox, previews, and clear
errors for what cannot be read."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import headway
from headway.backend.local import LocalBackend
from headway.cli import main as cli_main
from headway.cli.alerts import describe, parse_condition
from headway.cli.main import cli
from headway.delivery import webhook
from headway.entities.alerts import Anomaly, Change, IsNan, Threshold, Verdict
from headway.errors import Conflict, NotFound
from headway.settings import Settings
from monitoring_support import dataset, log_all, open_monitor
from receivers import HttpReceiver

SECRET = "env-secret-never-printed-93a1"
DRIFT_JSON = '{"kind": "verdict", "verdicts": ["drift"]}'
LOGINS = ["--monitor", "dropout", "--kind", "drift", "--subject", "lms_logins_per_week"]


@pytest.fixture
def store(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("HEADWAY_USER", "ana")
    return ["--dir", str(settings.dir)]


@pytest.fixture
def drifting(local_backend: LocalBackend) -> Iterator[headway.Monitor]:
    data = dataset("mean_shift")
    monitor = open_monitor(local_backend, data)
    log_all(monitor, data)
    monitor.compute()
    yield monitor
    monitor.close()


def run(store: list[str], *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(cli, [*args, *store])
    assert result.exit_code == code, (result.output, result.exception)
    return result


def test_channel_rule_and_inbox_from_the_command_line(
    store: list[str],
    local_backend: LocalBackend,
    drifting: headway.Monitor,
    http_receiver: HttpReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    added = run(
        store, "alert", "channel", "add", "edu", "hook", "--type", "webhook",
        "--endpoint", http_receiver.url, "--secret-env", "HOOK_SECRET",
    )  # fmt: skip
    assert "channel edu/hook (webhook), with secret" in added.output
    listed = run(store, "alert", "channel", "ls", "edu", "--json")
    [channel] = json.loads(listed.output)
    assert channel["has_secret"] and channel["config"] == {"endpoint": http_receiver.url}

    created = run(
        store, "alert", "rule", "create", "edu", "logins", *LOGINS,
        "--condition", "above:0.1", "--for", "2", "--severity", "critical", "--channel", "hook",
    )  # fmt: skip
    assert "rule edu/logins: above:0.1 for 2" in created.output
    assert "1 alert(s) open" in created.output
    rule = local_backend.alerts.get_rule("edu", "logins")
    assert rule.condition == Threshold(op="above", value=0.1, for_windows=2)
    assert (rule.severity, rule.channels) == ("critical", ("hook",))
    run(
        store, "alert", "rule", "create", "edu", "any drift", "--monitor", "dropout",
        "--kind", "drift", "--each-subject", "--condition", DRIFT_JSON,
    )  # fmt: skip
    assert local_backend.alerts.get_rule("edu", "any drift").target.subject is None

    firing = json.loads(run(store, "alert", "ls", "edu", "--state", "firing", "--json").output)
    assert sorted(a["rule_name"] for a in firing) == ["any drift", "logins"]
    [logins] = [a for a in firing if a["rule_name"] == "logins"]
    table = run(store, "alert", "ls", "--severity", "critical").output
    assert table.count("\n") == 2 and f"{logins['id']:>6}  firing       critical" in table

    # Each rule's alert went out, signed with the secret read from the environment.
    sent = {r.json()["alert"]["severity"]: r for r in http_receiver.requests}
    assert sorted(sent) == ["critical", "warning"]
    for request in sent.values():
        assert webhook.verify(
            SECRET,
            request.headers["X-Headway-Timestamp"],
            request.body,
            request.headers["X-Headway-Signature"],
        )

    acked = run(store, "alert", "ack", str(logins["id"]), "--note", "on it")
    assert f"alert {logins['id']} acknowledged by ana" in acked.output
    shown = run(store, "alert", "show", str(logins["id"])).output
    assert "acknowledged" in shown and "(ana) on it" in shown
    assert "hook" in shown and "delivered" in shown
    details = json.loads(run(store, "alert", "show", str(logins["id"]), "--json").output)
    assert [e["type"] for e in details["events"]][:3] == ["fired", "notified", "acknowledged"]
    assert {n["event"] for n in details["notifications"]} == {"firing", "acknowledged"}
    resolved = run(store, "alert", "resolve", str(logins["id"]), "--note", "retrained")
    assert "resolved by ana" in resolved.output
    again = CliRunner().invoke(cli, ["alert", "ack", str(logins["id"]), *store])
    assert again.exit_code != 0 and isinstance(again.exception, Conflict)

    # The secret is in no output of any command.
    outputs = [added, listed, created, acked, resolved]
    outputs.append(run(store, "alert", "channel", "ls", "edu"))
    outputs.append(run(store, "alert", "rule", "show", "edu", "logins"))
    assert not any(SECRET in r.output for r in outputs)


def test_a_secret_file_and_a_test_message(
    store: list[str], http_receiver: HttpReceiver, tmp_path: Path
) -> None:
    secret = tmp_path / "hook.secret"
    secret.write_text(SECRET + "\n")
    run(
        store, "alert", "channel", "add", "edu", "hook", "--type", "webhook",
        "--endpoint", http_receiver.url, "--secret-file", str(secret), "--min-severity", "warning",
    )  # fmt: skip
    http_receiver.reply(200, "thanks")
    tested = run(store, "alert", "channel", "test", "edu", "hook")
    assert tested.output.startswith("ok: HTTP 200 in ") and "thanks" in tested.output
    [request] = http_receiver.requests
    # The file's trailing newline is not part of the secret.
    assert webhook.verify(
        SECRET,
        request.headers["X-Headway-Timestamp"],
        request.body,
        request.headers["X-Headway-Signature"],
    )
    http_receiver.reply(500, "down for maintenance")
    failed = run(store, "alert", "channel", "test", "edu", "hook", code=1)
    assert "failed: HTTP 500" in failed.output and "down for maintenance" in failed.output
    run(store, "alert", "channel", "disable", "edu", "hook")
    assert "disabled" in run(store, "alert", "channel", "ls", "edu").output
    assert "enabled" in run(store, "alert", "channel", "enable", "edu", "hook").output
    run(store, "alert", "channel", "delete", "edu", "hook", "--yes")
    assert run(store, "alert", "channel", "ls", "edu").output == "no channels\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("above:0.1", Threshold(op="above", value=0.1)),
        ("below:0.7", Threshold(op="below", value=0.7)),
        ("outside:0.2:0.8", Threshold(op="outside", low=0.2, high=0.8)),
        ("inside:-1:1", Threshold(op="inside", low=-1, high=1)),
        ("nan", IsNan()),
        ("drift", Verdict(verdicts=("drift",))),
        ("verdict:drift,alert", Verdict(verdicts=("drift", "alert"))),
        ("drop:10%", Change(direction="drop", relative=0.1, baseline="reference")),
        ("rise:0.25:previous", Change(direction="rise", relative=0.25, baseline="previous")),
        (
            "change:5%:rolling:7",
            Change(direction="either", relative=0.05, baseline="rolling", baseline_windows=7),
        ),
        ("zscore:3", Anomaly(method="zscore", k=3)),
        ("ewma:2.5:30", Anomaly(method="ewma", k=2.5, window=30)),
        ('{"kind": "is_nan", "for_windows": 3}', IsNan(for_windows=3)),
    ],
)
def test_shorthands_read_as_conditions(text: str, expected: Any) -> None:
    assert parse_condition(text) == expected
    assert parse_condition(text, for_windows=4).for_windows == 4
    # What `rule ls` prints ("above:0.1 for 2") reads back as the same condition.
    shorthand, _, windows = describe(expected).partition(" for ")
    assert parse_condition(shorthand, for_windows=int(windows) if windows else None) == expected


def test_preview_marks_breaches_and_firing(store: list[str], drifting: headway.Monitor) -> None:
    shown = run(
        store, "alert", "rule", "preview", "edu", *LOGINS,
        "--condition", "above:0.1", "--for", "2", "--last", "6",
    ).output  # fmt: skip
    rows = [line for line in shown.splitlines() if line.startswith("  2026-")]
    assert len(rows) == 6
    assert [" x " in row for row in rows] == [False, False, False, True, True, True]
    assert ["FIRING" in row for row in rows] == [False, False, False, False, True, True]
    assert [row.endswith("<- fires") for row in rows] == [False] * 4 + [True, False]
    assert shown.splitlines()[-1] == "1 scope(s), 1 firing now"
    as_json = run(
        store, "alert", "rule", "preview", "edu", *LOGINS,
        "--condition", "above:0.1", "--for", "2", "--last", "6", "--json",
    ).output  # fmt: skip
    [preview] = json.loads(as_json)
    assert preview["firing"] == [False, False, False, False, True, True]
    assert preview["transitions"] == [[4, "firing"]]
    # Nothing was stored; a stored rule previews the same.
    assert run(store, "alert", "rule", "ls").output == "no alert rules\n"
    run(store, "alert", "rule", "create", "edu", "r", *LOGINS, "--condition", "above:0.1")
    stored = run(store, "alert", "rule", "preview", "edu", "r", "--last", "6", "--json").output
    assert json.loads(stored)[0]["breach"] == preview["breach"]


def test_rule_enable_mute_evaluate_delete(
    store: list[str], local_backend: LocalBackend, drifting: headway.Monitor
) -> None:
    run(store, "alert", "rule", "create", "edu", "r", *LOGINS, "--condition", "drift")
    assert "(disabled)" in run(store, "alert", "rule", "disable", "edu", "r").output
    assert "(enabled)" in run(store, "alert", "rule", "enable", "edu", "r").output
    muted = run(store, "alert", "rule", "mute", "edu", "r", "--for", "2h").output
    assert "muted until" in muted and local_backend.alerts.get_rule("edu", "r").muted_until
    until = run(store, "alert", "rule", "mute", "edu", "r", "--until", "2031-01-02T03:04")
    assert "muted until 2031-01-02 03:04" in until.output
    run(store, "alert", "rule", "unmute", "edu", "r")
    assert local_backend.alerts.get_rule("edu", "r").muted_until is None
    # Already firing since it was created: evaluating again changes nothing.
    assert (
        "0 alert(s) opened or resolved"
        in run(store, "alert", "rule", "evaluate", "edu", "r").output
    )
    [rule] = json.loads(run(store, "alert", "rule", "ls", "edu", "--json").output)
    assert rule["condition"] == {"kind": "verdict", "verdicts": ["drift"], "for_windows": 1}
    run(store, "alert", "rule", "delete", "edu", "r", "--yes")
    gone = CliRunner().invoke(cli, ["alert", "rule", "show", "edu", "r", *store])
    assert isinstance(gone.exception, NotFound)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--condition", "sideways:1"], "unknown condition 'sideways'"),
        (["--condition", "above"], "above takes 1 value(s)"),
        (["--condition", "above:high"], "above must be a number, not 'high'"),
        (["--condition", "outside:0.8:0.2"], "low must be less than high"),
        (["--condition", "verdict:drifting"], "verdicts must be one of ok, drift"),
        (["--condition", '{"kind": "threshold", "op": "above"'], "not valid JSON"),
        (["--condition", '{"kind": "threshold", "op": "up", "value": 1}'], "op must be one of"),
        (["--condition", "above:1", "--for", "0"], "'--for'"),
    ],
)
def test_a_bad_condition_is_a_usage_error(store: list[str], args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        cli, ["alert", "rule", "create", "edu", "r", "--monitor", "dropout", *args, *store]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    if "'--for'" not in message:
        assert "Invalid value for '--condition'" in result.output
        assert "above:V, below:V, outside:LOW:HIGH" in result.output


def test_missing_options_and_secrets_are_usage_errors(store: list[str]) -> None:
    no_target = run(store, "alert", "rule", "create", "edu", "r", "--condition", "nan", code=2)
    assert "--monitor, --model or --runs" in no_target.output
    both = run(store, "alert", "rule", "create", "edu", "r", "--monitor", "m", "--runs", "",
               "--condition", "nan", code=2)  # fmt: skip
    assert "give one of --monitor, --model or --runs" in both.output
    mute = run(store, "alert", "rule", "mute", "edu", "r", code=2)
    assert "--for DURATION or --until DATE" in mute.output
    assert (
        "not a duration"
        in run(store, "alert", "rule", "mute", "edu", "r", "--for", "soon", code=2).output
    )
    # No secret as an argument, none from a missing variable, no prompt without a terminal.
    slack = run(store, "alert", "channel", "add", "edu", "s", "--type", "slack", code=2)
    assert "--secret-env VAR or --secret-file PATH" in slack.output
    unset = run(store, "alert", "channel", "add", "edu", "s", "--type", "slack",
                "--secret-env", "NOT_SET_ANYWHERE", code=2)  # fmt: skip
    assert "NOT_SET_ANYWHERE is not set" in unset.output
    plain = run(
        store, "alert", "channel", "add", "edu", "s", "--type", "slack", "--secret", "x", code=2
    )
    assert "No such option '--secret'" in plain.output


def test_server_errors_print_the_message_and_exit_2(
    store: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["headway", "alert", "show", "9999", *store])
    with pytest.raises(SystemExit) as exit_:
        cli_main.main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "error: no alert 9999\n"
