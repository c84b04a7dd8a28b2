"""A real S3-compatible server for the tests: moto's standalone server, as a subprocess.

The server speaks real HTTP, so presigned URLs, multipart uploads and redirects go over
sockets exactly as they would against AWS or MinIO. moto enforces S3's minimum part size
on ``CompleteMultipartUpload`` (every part but the last must be at least that large); it
reads the minimum from ``S3_UPLOAD_PART_MIN_SIZE`` when it starts, so the tests lower it
to :data:`PART_MIN_SIZE` and use exactly that part size: the rule is still enforced, on
files of about a MiB instead of tens of MiB.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

#: The smallest non-last part moto accepts here (S3 itself: 5 MiB). The tests' part size
#: follows it; ``HEADWAY_TEST_S3_PART_MIN_SIZE=5242880`` runs them at S3's real sizes.
PART_MIN_SIZE = int(os.environ.get("HEADWAY_TEST_S3_PART_MIN_SIZE", 256 * 1024))
#: Fake credentials: moto accepts any, and presigned URLs need some to sign with.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "headway-test",
    "AWS_SECRET_ACCESS_KEY": "headway-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class S3Server:
    """moto's server on a free local port; ``url`` is its endpoint."""

    def __init__(self, *, part_min_size: int = PART_MIN_SIZE, timeout: float = 30) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="headway-moto-"))
        self.log = self.root / "moto.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            **CREDENTIALS,
            "S3_UPLOAD_PART_MIN_SIZE": str(part_min_size),
            "PYTHONUNBUFFERED": "1",
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            self._wait(timeout)
        except BaseException:
            self.stop()
            raise
        self._buckets = 0

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited early:\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.url}/moto-api/", timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start in {timeout}s:\n{self._log_tail()}")
            time.sleep(0.05)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def client(self) -> Any:
        """A boto3 client for arranging and inspecting state (explicit credentials, so it
        works whatever the environment holds)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        )

    def create_bucket(self) -> str:
        """A fresh, empty bucket; returns its name."""
        self._buckets += 1
        name = f"headway-test-{self._buckets}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def use_env(self, monkeypatch: pytest.MonkeyPatch) -> str:
        """Point the default AWS credential chain at fake credentials for one test (and
        away from any real ``~/.aws`` files); returns the endpoint URL."""
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(self.root / "no-aws-config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(self.root / "no-aws-credentials"))
        return self.url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
