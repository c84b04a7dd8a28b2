"""The artifact SDK end to end on the embedded store: what a user's script does."""

from __future__ import annotations

import http.server
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import headway
from headway.errors import InvalidArgument, NotFound
from headway.store.blobstore.base import CorruptBlob, blob_key


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HEADWAY_CAPTURE_SYSTEM_METRICS", "false")
    monkeypatch.setenv("HEADWAY_CAPTURE_CONSOLE", "false")
    monkeypatch.setenv("HEADWAY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "students.csv").write_text("id,gpa\n1,3.2\n")
    (folder / "sub" / "notes.txt").write_text("semester 1")
    return folder


def blobs_dir(tmp_path: Path) -> Path:
    return tmp_path / ".headway" / "artifacts" / "blobs"


def blob_bytes(tmp_path: Path) -> int:
    return sum(p.stat().st_size for p in blobs_dir(tmp_path).rglob("*") if p.is_file())


def test_log_use_download_and_relog_identical(data: Path, tmp_path: Path) -> None:
    with headway.init(project="sdk") as run:
        art = headway.Artifact("students", "dataset", description="raw", metadata={"rows": 1})
        art.add_dir(data)
        with art.new_file("README.md") as f:
            f.write("hello")
        v0 = run.log_artifact(art, aliases=["raw"], tags=["fall"])
        assert v0 is not None
        assert (v0.qualified_name, v0.aliases, v0.tags) == (
            "students:v0",
            ["latest", "raw"],
            ["fall"],
        )
        assert sorted(e.path for e in v0.files()) == ["README.md", "students.csv", "sub/notes.txt"]
        stored = blob_bytes(tmp_path)
        again = run.log_artifact(
            headway.Artifact("students", "dataset")
            .add_dir(data)
            .add_file(tmp_path / "data" / "students.csv", name="copy.csv")
        )
        assert again is not None and again.version == 1
        # The new version's only new file has the same content as an old one: no new bytes.
        assert blob_bytes(tmp_path) == stored
        same = run.log_artifact(
            headway.Artifact("students", "dataset")
            .add_dir(data)
            .add_file(tmp_path / "data" / "students.csv", name="copy.csv")
        )
        assert same is not None and same.version == 1 and blob_bytes(tmp_path) == stored

    with headway.init(project="sdk") as consumer:
        used = consumer.use_artifact("students:raw")
        root = used.download(tmp_path / "out")
        assert (root / "sub" / "notes.txt").read_text() == "semester 1"
        assert used.verify(root).ok and used.verify().ok
        (root / "students.csv").write_text("tampered")
        report = used.verify(root)
        assert not report.ok and "students.csv" in report.problems[0]
        part = used.download(tmp_path / "part", path_prefix="sub/")
        assert [p.name for p in part.rglob("*") if p.is_file()] == ["notes.txt"]
        with pytest.raises(NotFound):
            used.download(tmp_path / "none", path_prefix="nothing/")
        inputs = headway.Api().backend.artifacts.run_artifacts(consumer.id)["inputs"]
        assert [a.qualified_name for a in inputs] == ["students:v0"]


def test_corrupted_blob_is_reported_never_returned(data: Path, tmp_path: Path) -> None:
    with headway.init(project="sdk") as run:
        version = run.log_artifact(data, name="students", type="dataset")
    assert version is not None
    entry = next(e for e in version.files() if e.path == "students.csv")
    assert entry.digest is not None
    blob = blobs_dir(tmp_path).parent / blob_key(entry.digest)
    blob.write_bytes(b"bit rot")
    with pytest.raises(CorruptBlob, match="corrupted"):
        version.download(tmp_path / "out")
    assert not (tmp_path / "out" / "students.csv").exists()
    report = version.verify()
    assert not report.ok and "corrupted" in report.problems[0]


def test_shorthands_and_read_only_use(data: Path) -> None:
    with headway.init(project="sdk") as run:
        logged = run.log_artifact(data / "students.csv", type="dataset")
        assert logged is not None and logged.name == "students.csv"
    found = headway.use_artifact("sdk/students.csv:latest")
    assert found.version == 0 and found.type == "dataset"
    assert headway.use_artifact("students.csv:v0", project="sdk").digest == logged.digest
    with pytest.raises(InvalidArgument, match="type"):
        headway.use_artifact("sdk/students.csv:v0", type="model")
    with pytest.raises(NotFound):
        headway.use_artifact("sdk/students.csv:v7")


def test_symlinks_out_of_the_folder_are_refused(data: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    os.symlink(secret, data / "link.txt")
    with pytest.raises(InvalidArgument, match="outside the folder"):
        headway.Artifact("d", "dataset").add_dir(data)
    (data / "link.txt").unlink()
    os.symlink(data / "students.csv", data / "inside.csv")
    art = headway.Artifact("d", "dataset").add_dir(data)
    assert "inside.csv" in art.staged()


@pytest.mark.parametrize("name", ["../x", "/abs", "a/../b", ""])
def test_bad_file_names_are_refused_before_anything_is_stored(data: Path, name: str) -> None:
    with pytest.raises(InvalidArgument):
        headway.Artifact("d", "dataset").add_file(data / "students.csv", name=name)


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: _Files(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()


def test_references_are_tracked_not_copied_and_checked(
    web_root: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = web_root
    (root / "grades.csv").write_text("a,b\n1,2\n")
    local = tmp_path / "big.bin"
    local.write_bytes(b"x" * 1000)
    with headway.init(project="sdk") as run:
        art = headway.Artifact("refs", "dataset")
        art.add_reference(f"{base}/grades.csv")
        art.add_reference(local.as_uri(), name="big.bin")
        art.add_reference(local.as_uri(), name="loose.bin", checksum=False)
        version = run.log_artifact(art)
    assert version is not None
    assert not blobs_dir(tmp_path).exists() or blob_bytes(tmp_path) == 0
    refs = {e.path: e for e in version.files()}
    assert refs["grades.csv"].ref == f"{base}/grades.csv" and refs["grades.csv"].digest
    assert refs["loose.bin"].digest is None and refs["loose.bin"].etag
    out = version.download(tmp_path / "out")
    assert (out / "grades.csv").read_text() == "a,b\n1,2\n"
    (root / "grades.csv").write_text("a,b\n9,9\n")
    with pytest.raises(CorruptBlob, match="changed since it was logged"):
        version.download(tmp_path / "again")


def test_link_model_and_registry_from_the_sdk(tmp_path: Path) -> None:
    with headway.init(project="sdk") as run:
        model = headway.Artifact("clf", "model")
        with model.new_file("w.bin", "wb") as f:
            f.write(b"\x00\x01")
        mv = run.link_model(model, "dropout-risk", aliases=["champion"])
        assert mv is not None and (mv.version, mv.aliases, mv.run_id) == (1, ("champion",), run.id)
        with pytest.raises(InvalidArgument, match="model"):
            run.link_model(headway.Artifact("data", "dataset"), "dropout-risk")
    api = headway.Api()
    api.registry.set_alias("dropout-risk", "production", 1)
    files = api.model_version("dropout-risk@production").download(tmp_path / "prod")
    assert (files / "w.bin").read_bytes() == b"\x00\x01"


def test_offline_artifacts_are_kept_and_sent_by_sync(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from click.testing import CliRunner

    from headway.cli.main import cli

    caplog.set_level(logging.WARNING, logger="headway")
    with headway.init(project="sdk", mode="offline") as run:
        assert run.log_artifact(data, name="d", type="dataset", aliases=["raw"]) is None
        run_id = run.id
    assert "`headway sync` uploads it" in caplog.text
    # The files were copied: changing them now does not change what gets logged.
    (data / "students.csv").write_text("changed after logging")
    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 0, result.output
    assert "artifacts d:v0" in result.output
    version = headway.use_artifact("sdk/d:raw")
    assert version.run_id == run_id
    out = version.download(tmp_path / "out")
    assert (out / "students.csv").read_text() == "id,gpa\n1,3.2\n"
    again = CliRunner().invoke(cli, ["sync", "--all"])
    assert again.exit_code == 0 and "artifacts d:" not in again.output
    assert [v.version for v in headway.Api().artifact_versions("sdk", "d")] == [0]
    with headway.init(project="sdk", mode="disabled") as disabled:
        assert disabled.log_artifact(data, name="d", type="dataset") is None
