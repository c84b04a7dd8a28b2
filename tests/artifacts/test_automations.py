"""Registry automations call a real webhook receiver, signed, retried and logged."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headway.backend.local import LocalBackend
from headway.delivery import webhook
from headway.errors import InvalidArgument
from headway.testing.artifact_contract import log

SECRET = "a-long-shared-secret-value"


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = 0

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                failing = receiver.fail_first > 0
                receiver.fail_first -= 1
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"busy" if failing else b"deployed")

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    r = Receiver()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), r.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield r, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def wait_for(check: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_promotion_calls_a_signed_webhook_with_retries(
    local_backend: LocalBackend, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    r, url = receiver
    local_backend.registry_service.retry_base = 0.1
    registry = local_backend.registry
    log(local_backend, tmp_path, "p", "clf", {"m": b"1"}, type="model")
    registry.link("dropout-risk", project="p", artifact="clf", selector=0)
    automation = registry.create_automation(
        model="dropout-risk", name="deploy", events=["alias_set"], url=url, secret=SECRET
    )
    assert automation.has_secret and automation.events == ("alias_set",)
    r.fail_first = 2
    registry.set_alias("dropout-risk", "production", 1)
    wait_for(lambda: len(r.requests) == 3)
    wait_for(lambda: len(registry.deliveries(automation.id)) == 3)
    last = r.requests[-1]
    headers = {k.lower(): v for k, v in last["headers"].items()}
    assert headers["x-headway-event"] == "alias_set"
    assert webhook.verify(
        SECRET, headers["x-headway-timestamp"], last["body"], headers["x-headway-signature"]
    )
    assert not webhook.verify(
        "wrong-secret-value!",
        headers["x-headway-timestamp"],
        last["body"],
        headers["x-headway-signature"],
    )
    payload = json.loads(last["body"])
    assert payload["event"]["alias"] == "production" and payload["version"]["version"] == 1
    assert payload["version"]["artifact"] == "p/clf:v0"
    deliveries = sorted(registry.deliveries(automation.id), key=lambda d: d.attempt)
    assert [(d.attempt, d.ok, d.status_code) for d in deliveries] == [
        (1, False, 500),
        (2, False, 500),
        (3, True, 200),
    ]
    assert deliveries[-1].response == "deployed" and deliveries[0].error == "HTTP 500"
    # Events the automation does not listen to are not sent.
    registry.update_model("dropout-risk", description="card")
    time.sleep(0.3)
    assert len(r.requests) == 3


def test_secrets_are_encrypted_at_rest(local_backend: LocalBackend) -> None:
    local_backend.registry.create_model("m")
    local_backend.registry.create_automation(
        model="m",
        name="hook",
        events=["version_created"],
        url="http://127.0.0.1:9/x",
        secret=SECRET,
    )
    database = Path(local_backend.settings.db_url.removeprefix("sqlite:///"))
    local_backend.close()
    assert SECRET.encode() not in database.read_bytes()
    for wal in database.parent.glob("*.db-wal"):
        assert SECRET.encode() not in wal.read_bytes()


def test_bad_automations_are_refused(local_backend: LocalBackend) -> None:
    registry = local_backend.registry
    with pytest.raises(InvalidArgument, match="URL"):
        registry.create_automation(model=None, name="x", events=["alias_set"], url="ftp://x")
    with pytest.raises(InvalidArgument, match="unknown event"):
        registry.create_automation(model=None, name="x", events=["deployed"], url="http://h/x")
    with pytest.raises(InvalidArgument, match="16 characters"):
        registry.create_automation(
            model=None, name="x", events=["alias_set"], url="http://h/x", secret="short"
        )


def test_a_script_delivers_its_webhooks_before_it_exits(
    receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    import subprocess
    import sys

    r, url = receiver
    script = f"""
import headway
api = headway.Api()
api.registry.create_model("m")
api.registry.create_automation(model="m", name="hook", events=["tag_set"], url={url!r})
api.registry.update_model("m", set_tags={{"stage": "review"}})
"""
    env = {"HEADWAY_DIR": str(tmp_path / ".headway"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(r.requests) == 1
    assert json.loads(r.requests[0]["body"])["event"]["details"]["value"] == "review"


def test_renames_and_version_deletions_are_delivered(
    local_backend: LocalBackend, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    r, url = receiver
    registry = local_backend.registry
    log(local_backend, tmp_path, "p", "clf", {"m": b"1"}, type="model")
    registry.link("dropout-risk", project="p", artifact="clf", selector=0, aliases=["staging"])
    registry.create_automation(
        model=None,
        name="audit",
        events=["model_renamed", "version_deleted", "alias_removed"],
        url=url,
    )
    registry.rename_model("dropout-risk", "risk-2027")
    registry.delete_version("risk-2027", 1)
    wait_for(lambda: len(r.requests) == 3)
    events = sorted((json.loads(x["body"])["event"] for x in r.requests), key=lambda e: e["id"])
    assert [(e["action"], e["model"], e["version"], e["alias"]) for e in events] == [
        ("model_renamed", "risk-2027", None, None),
        ("alias_removed", "risk-2027", None, "staging"),
        ("version_deleted", "risk-2027", 1, None),
    ]
    assert events[0]["details"] == {"old": "dropout-risk", "new": "risk-2027"}
    # Deleting the model takes its history, so it sends nothing and drops nothing due.
    registry.delete_model("risk-2027")
    assert local_backend.registry_service.dispatch_due() == 0
