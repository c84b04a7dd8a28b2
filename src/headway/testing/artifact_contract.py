"""The artifact and registry contract: one suite for every backend.

Subclass ``ArtifactContract`` in a test module that provides ``backend`` (a fresh, empty
backend per test). It goes through the backend interface only — upload sessions, blob
transfers and commits — as the SDK does.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from headway.backend.base import BaseBackend
from headway.entities import RunCreate
from headway.entities.artifacts import (
    ArtifactCommit,
    ArtifactPatch,
    ArtifactVersion,
    Direction,
    ManifestEntry,
)
from headway.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from headway.store.blobstore.digest import digest_bytes, digest_file


def log(
    backend: BaseBackend,
    folder: Path,
    project: str,
    name: str,
    files: dict[str, bytes],
    *,
    type: str = "dataset",
    run_id: str | None = None,
    **extra: Any,
) -> tuple[ArtifactVersion, bool]:
    """Write ``files`` under ``folder``, upload what is missing, commit."""
    entries, paths = [], {}
    for path, data in files.items():
        local = folder / f"{digest_bytes(data)}.bin"
        local.write_bytes(data)
        digest, size = digest_file(local)
        entries.append(ManifestEntry(path, size, digest))
        paths[digest] = local
    plan = backend.artifacts.begin_upload(project, [(e.digest or "", e.size) for e in entries])
    backend.artifacts.upload(plan, paths)
    commit = ArtifactCommit(
        project=project, name=name, type=type, entries=tuple(entries), run_id=run_id, **extra
    )
    return backend.artifacts.commit(plan.session_id, commit)


def new_run(backend: BaseBackend, project: str, name: str) -> str:
    return backend.create_run(RunCreate(project=project, name=name)).id


class ArtifactContract:
    # -- versions -----------------------------------------------------------------------
    def test_versions_count_up_and_identical_content_is_one_version(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        v0, created0 = log(backend, tmp_path, "p", "data", {"a.csv": b"1,2\n", "b/c.txt": b"x"})
        assert (v0.version, created0, v0.file_count, v0.size) == (0, True, 2, 5)
        again, created = log(backend, tmp_path, "p", "data", {"b/c.txt": b"x", "a.csv": b"1,2\n"})
        assert (again.version, created, again.digest) == (0, False, v0.digest)
        v1, _ = log(backend, tmp_path, "p", "data", {"a.csv": b"1,2\n3,4\n"})
        assert v1.version == 1 and v1.digest != v0.digest
        assert [v.version for v in backend.artifacts.list_versions("p", "data")] == [1, 0]
        assert backend.artifacts.get_version("p", "data", "latest").version == 1
        assert "latest" in backend.artifacts.get_version("p", "data", 1).aliases
        listed = backend.artifacts.list_artifacts("p")
        assert [(a.name, a.version_count, a.latest_version) for a in listed] == [("data", 2, 1)]

    def test_files_prefix_and_diff(self, backend: BaseBackend, tmp_path: Path) -> None:
        log(backend, tmp_path, "p", "d", {"x/a": b"1", "x/b": b"2", "y": b"3"}, metadata={"k": 1})
        log(backend, tmp_path, "p", "d", {"x/a": b"1", "x/b": b"22", "z": b"4"}, metadata={"k": 2})
        assert [e.path for e in backend.artifacts.files("p", "d", 0, prefix="x/")] == ["x/a", "x/b"]
        diff = backend.artifacts.diff("p", "d", 0, 1)
        assert {(f.path, f.status, f.old_size, f.new_size) for f in diff.files} == {
            ("x/b", "changed", 1, 2),
            ("y", "removed", 1, None),
            ("z", "added", None, 1),
        }
        assert diff.unchanged_files == 1 and diff.metadata == {"k": (1, 2)}

    @pytest.mark.parametrize(
        "bad", ["../escape", "/etc/passwd", "a/../../b", "a//b", "C:/x", "./a"]
    )
    def test_paths_escaping_the_root_are_refused(
        self, backend: BaseBackend, tmp_path: Path, bad: str
    ) -> None:
        with pytest.raises(InvalidArgument, match="path"):
            log(backend, tmp_path, "p", "d", {bad: b"x"})
        with pytest.raises(NotFound):
            backend.artifacts.get_version("p", "d", "latest")

    def test_bad_names_types_and_aliases_are_refused(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        with pytest.raises(InvalidArgument, match="artifact name"):
            log(backend, tmp_path, "p", "bad name", {"a": b"1"})
        with pytest.raises(InvalidArgument, match="reserved"):
            log(backend, tmp_path, "p", "d", {"a": b"1"}, aliases=("latest",))
        with pytest.raises(InvalidArgument, match="reserved"):
            log(backend, tmp_path, "p", "d", {"a": b"1"}, aliases=("v2",))
        log(backend, tmp_path, "p", "d", {"a": b"1"})
        with pytest.raises(Conflict, match="type"):
            log(backend, tmp_path, "p", "d", {"a": b"2"}, type="model")

    def test_a_commit_needs_every_blob_uploaded(self, backend: BaseBackend, tmp_path: Path) -> None:
        data = b"never uploaded"
        entry = ManifestEntry("a", len(data), digest_bytes(data))
        plan = backend.artifacts.begin_upload("p", [(entry.digest or "", entry.size)])
        assert [t.digest for t in plan.missing] == [entry.digest]
        commit = ArtifactCommit(project="p", name="d", type="dataset", entries=(entry,))
        with pytest.raises(InvalidArgument, match="never uploaded"):
            backend.artifacts.commit(plan.session_id, commit)
        with pytest.raises(NotFound):
            backend.artifacts.get_version("p", "d", 0)
        other = ArtifactCommit(
            project="p", name="d", type="dataset", entries=(ManifestEntry("b", 1, "ab" * 32),)
        )
        with pytest.raises(InvalidArgument, match="not declared"):
            backend.artifacts.commit(plan.session_id, other)

    def test_aliases_are_unique_and_move(self, backend: BaseBackend, tmp_path: Path) -> None:
        log(backend, tmp_path, "p", "d", {"a": b"1"}, aliases=("best",))
        log(backend, tmp_path, "p", "d", {"a": b"2"}, aliases=("best",))
        assert backend.artifacts.get_version("p", "d", "best").version == 1
        assert "best" not in backend.artifacts.get_version("p", "d", 0).aliases
        backend.artifacts.update("p", "d", 0, ArtifactPatch(add_aliases=("best",)))
        assert backend.artifacts.get_version("p", "d", "best").version == 0
        backend.artifacts.update("p", "d", 0, ArtifactPatch(remove_aliases=("best",)))
        with pytest.raises(NotFound, match="best"):
            backend.artifacts.get_version("p", "d", "best")

    def test_edits_keep_content_and_are_audited(self, backend: BaseBackend, tmp_path: Path) -> None:
        v0, _ = log(backend, tmp_path, "p", "d", {"a": b"1"}, metadata={"rows": 1})
        edited = backend.artifacts.with_user("grace").update(
            "p",
            "d",
            0,
            ArtifactPatch(description="cleaned", metadata={"rows": 2}, tags=("fall",)),
        )
        assert edited.digest == v0.digest and edited.metadata == {"rows": 2}
        assert (edited.description, edited.tags) == ("cleaned", ("fall",))
        events = backend.artifacts.events("p", "d")
        assert [e.action for e in events] == ["created", "description", "metadata", "tags"]
        assert events[2].actor == "grace" and events[2].details["old"] == {"rows": 1}

    def test_delete_is_soft_and_restorable(self, backend: BaseBackend, tmp_path: Path) -> None:
        log(backend, tmp_path, "p", "d", {"a": b"1"})
        log(backend, tmp_path, "p", "d", {"a": b"2"})
        backend.artifacts.delete("p", "d", 1)
        assert backend.artifacts.get_version("p", "d", "latest").version == 0
        assert [v.version for v in backend.artifacts.list_versions("p", "d")] == [0]
        hidden = backend.artifacts.list_versions("p", "d", include_deleted=True)
        assert hidden[0].deleted_at is not None
        backend.artifacts.restore("p", "d", 1)
        assert backend.artifacts.get_version("p", "d", "latest").version == 1
        # Deleted content logged again is a new version, not the deleted one.
        backend.artifacts.delete("p", "d", 1)
        again, created = log(backend, tmp_path, "p", "d", {"a": b"2"})
        assert created and again.version == 2

    def test_downloads_are_verified(self, backend: BaseBackend, tmp_path: Path) -> None:
        v, _ = log(backend, tmp_path, "p", "d", {"a": b"hello"})
        entry = backend.artifacts.files("p", "d", v.version)[0]
        assert entry.digest is not None
        dest = tmp_path / "out" / "a"
        backend.artifacts.fetch_blob(entry.digest, dest)
        assert dest.read_bytes() == b"hello"
        assert b"".join(backend.artifacts.iter_blob(entry.digest)) == b"hello"
        with pytest.raises(NotFound):
            backend.artifacts.fetch_blob("0" * 64, tmp_path / "missing")

    # -- lineage --------------------------------------------------------------------------
    def test_lineage_up_and_downstream(self, backend: BaseBackend, tmp_path: Path) -> None:
        ingest = new_run(backend, "p", "ingest")
        log(backend, tmp_path, "p", "raw", {"a": b"1"}, run_id=ingest)
        clean = new_run(backend, "p", "clean")
        assert backend.artifacts.use(clean, "p", "raw", "latest").version == 0
        log(backend, tmp_path, "p", "cleaned", {"a": b"2"}, run_id=clean)
        train = new_run(backend, "p", "train")
        backend.artifacts.use(train, "p", "cleaned", 0)
        model, _ = log(backend, tmp_path, "p", "model", {"m": b"w"}, type="model", run_id=train)
        assert model.run_id == train
        io = backend.artifacts.run_artifacts(train)
        assert [a.name for a in io["inputs"]] == ["cleaned"]
        assert [a.name for a in io["outputs"]] == ["model"]

        up = backend.artifacts.lineage(
            project="p", name="model", version=0, direction=Direction.UPSTREAM, depth=1
        )
        assert {n.id for n in up.nodes} == {"p/model:v0", train, "p/cleaned:v0"}
        deep = backend.artifacts.lineage(
            project="p", name="model", version=0, direction=Direction.UPSTREAM, depth=3
        )
        assert {n.id for n in deep.nodes} >= {"p/raw:v0", ingest, clean}
        assert ("p/cleaned:v0", train, "input") in {
            (e.source, e.target, e.kind) for e in deep.edges
        }
        down = backend.artifacts.lineage(
            project="p", name="raw", version=0, direction=Direction.DOWNSTREAM, depth=2
        )
        assert {n.id for n in down.nodes} == {
            "p/raw:v0",
            clean,
            "p/cleaned:v0",
            train,
            "p/model:v0",
        }
        around = backend.artifacts.lineage(run_id=clean, direction=Direction.BOTH, depth=1)
        assert {n.id for n in around.nodes} >= {clean, "p/raw:v0", "p/cleaned:v0"}
        with pytest.raises(InvalidArgument, match="depth"):
            backend.artifacts.lineage(project="p", name="raw", version=0, depth=0)

    # -- registry -------------------------------------------------------------------------
    def _models(self, backend: BaseBackend, tmp_path: Path, n: int = 3) -> list[int]:
        numbers = []
        for i in range(n):
            run = new_run(backend, "p", f"train{i}")
            log(backend, tmp_path, "p", "clf", {"m": bytes([i])}, type="model", run_id=run)
            numbers.append(
                backend.registry.link(
                    "dropout-risk", project="p", artifact="clf", selector=i
                ).version
            )
        return numbers

    def test_link_promote_rollback_and_history(self, backend: BaseBackend, tmp_path: Path) -> None:
        assert self._models(backend, tmp_path) == [1, 2, 3]
        assert (
            backend.registry.link("dropout-risk", project="p", artifact="clf", selector=1).version
            == 2
        )
        reg = backend.registry.with_user("ada")
        reg.set_alias("dropout-risk", "production", 1)
        reg.set_alias("dropout-risk", "production", 3)
        assert reg.get_version("dropout-risk", "production").version == 3
        back = reg.rollback("dropout-risk", "production")
        assert back.version == 1 and "production" in back.aliases
        assert backend.registry.get_model("dropout-risk").aliases == {"production": 1}
        events = backend.registry.history("dropout-risk", alias="production")
        assert [(e.version, e.previous_version) for e in events] == [(1, 3), (3, 1), (1, None)]
        assert events[0].details.get("rollback") is True and events[0].actor == "ada"
        mv = backend.registry.get_version("dropout-risk", 3)
        assert (mv.project, mv.artifact, mv.artifact_version, mv.run_id is not None) == (
            "p",
            "clf",
            2,
            True,
        )

    def test_alias_at_a_past_time(self, backend: BaseBackend, tmp_path: Path) -> None:
        self._models(backend, tmp_path, 2)
        before = datetime.now(UTC)
        time.sleep(0.02)
        backend.registry.set_alias("dropout-risk", "production", 1)
        time.sleep(0.02)
        middle = datetime.now(UTC)
        time.sleep(0.02)
        backend.registry.set_alias("dropout-risk", "production", 2)
        assert backend.registry.alias_at("dropout-risk", "production", before) is None
        found = backend.registry.alias_at("dropout-risk", "production", middle)
        assert found is not None and found.version == 1
        now = backend.registry.alias_at("dropout-risk", "production", datetime.now(UTC))
        assert now is not None and now.version == 2
        until = backend.registry.history("dropout-risk", until=middle)
        assert all(e.at <= middle for e in until) and until[0].action == "alias_set"
        backend.registry.remove_alias("dropout-risk", "production")
        later = datetime.now(UTC) + timedelta(seconds=1)
        assert backend.registry.alias_at("dropout-risk", "production", later) is None

    def test_protected_aliases_need_their_role(self, backend: BaseBackend, tmp_path: Path) -> None:
        self._models(backend, tmp_path, 2)
        backend.registry.protect("dropout-risk", "production", "approver")
        with pytest.raises(PermissionDenied, match="approver"):
            backend.registry.set_alias("dropout-risk", "production", 1)
        backend.registry.set_alias("dropout-risk", "production", 1, role="approver")
        backend.registry.set_alias("dropout-risk", "production", 2, role="admin")
        with pytest.raises(PermissionDenied):
            backend.registry.rollback("dropout-risk", "production", role="intern")
        assert backend.registry.get_model("dropout-risk").protected == {"production": "approver"}

    def test_registry_rules(self, backend: BaseBackend, tmp_path: Path) -> None:
        log(backend, tmp_path, "p", "data", {"a": b"1"})
        with pytest.raises(InvalidArgument, match="model"):
            backend.registry.link("m", project="p", artifact="data", selector=0)
        with pytest.raises(InvalidArgument, match="registered model name"):
            backend.registry.create_model("bad name")
        backend.registry.create_model("m", description="# Card")
        with pytest.raises(AlreadyExists):
            backend.registry.create_model("m")
        with pytest.raises(NotFound):
            backend.registry.get_version("m", "production")
        self._models(backend, tmp_path, 1)
        with pytest.raises(Conflict, match="registered model"):
            backend.artifacts.delete("p", "clf", 0)
        with pytest.raises(Conflict, match="roll back"):
            backend.registry.set_alias("dropout-risk", "champion", 1)
            backend.registry.rollback("dropout-risk", "champion")
        updated = backend.registry.update_model(
            "m", description="# Dropout risk\n\nFair across groups.", set_tags={"team": "ed"}
        )
        assert updated.tags == {"team": "ed"} and updated.description.startswith("# Dropout")

    def test_rename_keeps_versions_aliases_automations_and_history(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        self._models(backend, tmp_path)
        reg = backend.registry
        reg.protect("dropout-risk", "production", "approver")
        reg.set_alias("dropout-risk", "production", 2, role="approver")
        reg.set_alias("dropout-risk", "staging", 3)
        hook = reg.create_automation(
            model="dropout-risk", name="hook", events=["alias_set"], url="http://127.0.0.1:9/x"
        )
        before = [e.id for e in reg.history("dropout-risk")]

        renamed = reg.with_user("ada").rename_model("dropout-risk", "risk-2027")
        assert (renamed.name, renamed.version_count, renamed.latest_version) == ("risk-2027", 3, 3)
        assert renamed.aliases == {"production": 2, "staging": 3}
        assert renamed.protected == {"production": "approver"}
        with pytest.raises(NotFound):
            reg.get_model("dropout-risk")
        versions = reg.list_versions("risk-2027")
        assert [(v.model, v.version) for v in versions] == [("risk-2027", n) for n in (3, 2, 1)]
        events = reg.history("risk-2027")
        assert (events[0].action, events[0].actor, events[0].model) == (
            "model_renamed",
            "ada",
            "risk-2027",
        )
        assert events[0].details == {"old": "dropout-risk", "new": "risk-2027"}
        assert [e.id for e in events[1:]] == before
        assert [(a.id, a.model) for a in reg.list_automations("risk-2027")] == [
            (hook.id, "risk-2027")
        ]
        with pytest.raises(PermissionDenied, match="approver"):
            reg.set_alias("risk-2027", "production", 1)

        same = reg.rename_model("risk-2027", "risk-2027")
        assert same.name == "risk-2027" and len(reg.history("risk-2027")) == len(events)
        reg.create_model("other")
        with pytest.raises(AlreadyExists, match="risk-2027"):
            reg.rename_model("other", "risk-2027")
        with pytest.raises(InvalidArgument, match="registered model name"):
            reg.rename_model("other", "bad name")
        with pytest.raises(NotFound):
            reg.rename_model("missing", "anything")
        # The old name is free again; the renamed model keeps numbering where it was.
        reg.create_model("dropout-risk")
        log(backend, tmp_path, "p", "clf", {"m": b"new"}, type="model")
        assert reg.link("risk-2027", project="p", artifact="clf", selector=3).version == 4

    def test_delete_version_keeps_history_and_never_reuses_its_number(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        self._models(backend, tmp_path)
        reg = backend.registry
        reg.set_alias("dropout-risk", "production", 1)
        reg.set_alias("dropout-risk", "staging", 3)
        reg.set_alias("dropout-risk", "champion", 3)

        reg.with_user("ada").delete_version("dropout-risk", 3)
        assert [v.version for v in reg.list_versions("dropout-risk")] == [2, 1]
        with pytest.raises(NotFound):
            reg.get_version("dropout-risk", 3)
        model = reg.get_model("dropout-risk")
        assert (model.version_count, model.latest_version) == (2, 2)
        assert model.aliases == {"production": 1}
        events = reg.history("dropout-risk")
        assert [(e.action, e.alias, e.version, e.previous_version) for e in events[:3]] == [
            ("version_deleted", None, 3, None),
            ("alias_removed", "staging", None, 3),
            ("alias_removed", "champion", None, 3),
        ]
        assert events[0].actor == "ada" and events[0].details["artifact"] == "p/clf:v2"
        assert [e.version for e in events if e.action == "version_created"] == [3, 2, 1]
        assert reg.alias_at("dropout-risk", "staging", datetime.now(UTC)) is None
        # The artifact version is untouched, and no longer held by the registry.
        assert backend.artifacts.get_version("p", "clf", 2).version == 2
        backend.artifacts.delete("p", "clf", 2)
        # Deleting the latest version does not free its number.
        log(backend, tmp_path, "p", "clf", {"m": b"next"}, type="model")
        assert reg.link("dropout-risk", project="p", artifact="clf", selector=3).version == 4
        assert reg.get_version("dropout-risk", "latest").version == 4
        reg.delete_version("dropout-risk", 4)
        reg.delete_version("dropout-risk", 2)
        assert reg.link("dropout-risk", project="p", artifact="clf", selector=3).version == 5

        with pytest.raises(NotFound):
            reg.delete_version("dropout-risk", 3)
        with pytest.raises(NotFound):
            reg.delete_version("missing", 1)
        with pytest.raises(InvalidArgument):
            reg.delete_version("dropout-risk", "1")  # type: ignore[arg-type]

    def test_protected_aliases_guard_deletions(self, backend: BaseBackend, tmp_path: Path) -> None:
        self._models(backend, tmp_path, 2)
        reg = backend.registry
        reg.protect("dropout-risk", "production", "approver")
        reg.set_alias("dropout-risk", "production", 2, role="approver")
        with pytest.raises(PermissionDenied, match="approver"):
            reg.delete_version("dropout-risk", 2)
        with pytest.raises(PermissionDenied, match="approver"):
            reg.delete_version("dropout-risk", 2, role="intern")
        with pytest.raises(PermissionDenied, match="approver"):
            reg.delete_model("dropout-risk")
        assert reg.get_model("dropout-risk").aliases == {"production": 2}
        reg.delete_version("dropout-risk", 1)  # no protected alias points at it
        reg.delete_version("dropout-risk", 2, role="approver")
        model = reg.get_model("dropout-risk")
        assert (model.aliases, model.protected) == ({}, {"production": "approver"})
        # The rule outlives the alias, and still guards the model.
        with pytest.raises(PermissionDenied, match="approver"):
            reg.delete_model("dropout-risk", role="intern")
        reg.delete_model("dropout-risk", role="admin")
        with pytest.raises(NotFound):
            reg.get_model("dropout-risk")

    def test_delete_model_removes_everything_and_frees_the_name(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        self._models(backend, tmp_path, 2)
        reg = backend.registry
        reg.set_alias("dropout-risk", "production", 2)
        reg.create_automation(
            model="dropout-risk", name="mine", events=["alias_set"], url="http://127.0.0.1:9/x"
        )
        shared = reg.create_automation(
            model=None, name="all", events=["model_renamed"], url="http://127.0.0.1:9/y"
        )
        reg.create_model("kept")

        reg.delete_model("dropout-risk")
        for gone in (reg.get_model, reg.list_versions, reg.history):
            with pytest.raises(NotFound):
                gone("dropout-risk")
        assert [m.name for m in reg.list_models()] == ["kept"]
        assert [a.id for a in reg.list_automations()] == [shared.id]
        assert backend.artifacts.get_version("p", "clf", 1).version == 1
        with pytest.raises(NotFound):
            reg.delete_model("dropout-risk")

        again = reg.link("dropout-risk", project="p", artifact="clf", selector=1)
        assert again.version == 1 and again.aliases == ()
        assert [e.action for e in reg.history("dropout-risk")] == [
            "version_created",
            "model_created",
        ]

    # -- gc -------------------------------------------------------------------------------
    def test_gc_reclaims_only_unreferenced_blobs(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        log(backend, tmp_path, "p", "d", {"keep": b"kept", "both": b"shared"})
        log(backend, tmp_path, "p", "d", {"gone": b"only in v1", "both": b"shared"})
        backend.artifacts.delete("p", "d", 1)
        pending = b"upload in flight"
        plan = backend.artifacts.begin_upload("p", [(digest_bytes(pending), len(pending))])
        local = tmp_path / "pending.bin"
        local.write_bytes(pending)
        backend.artifacts.upload(plan, {digest_bytes(pending): local})

        dry = backend.artifacts.gc(grace_seconds=0, dry_run=True)
        assert (dry.blobs_deleted, dry.versions_purged, dry.dry_run) == (1, 1, True)
        report = backend.artifacts.gc(grace_seconds=0, dry_run=False)
        assert (report.blobs_deleted, report.bytes_freed, report.versions_purged) == (1, 10, 1)
        with pytest.raises(NotFound):
            backend.artifacts.fetch_blob(digest_bytes(b"only in v1"), tmp_path / "x")
        backend.artifacts.fetch_blob(digest_bytes(b"shared"), tmp_path / "y")
        backend.artifacts.fetch_blob(digest_bytes(pending), tmp_path / "z")
        with pytest.raises(Conflict, match="gc"):
            backend.artifacts.restore("p", "d", 1)
        commit = ArtifactCommit(
            project="p",
            name="late",
            type="dataset",
            entries=(ManifestEntry("f", len(pending), digest_bytes(pending)),),
        )
        version, created = backend.artifacts.commit(plan.session_id, commit)
        assert created and version.name == "late"

    # -- comparison -----------------------------------------------------------------------
    def test_compare_versions_with_their_runs_and_data(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        data, _ = log(backend, tmp_path, "p", "clean", {"d": b"rows"})
        runs = []
        for i, kind in enumerate(["lr", "rf"]):
            run = new_run(backend, "p", f"train-{kind}")
            backend.update_summary(run, {"test/recall": 0.5 + i / 10})
            backend.artifacts.use(run, "p", "clean", data.version)
            log(
                backend, tmp_path, "p", f"model-{kind}", {"m": bytes([i])}, type="model", run_id=run
            )
            runs.append(run)
        backend.registry.link(
            "risk", project="p", artifact="model-rf", selector=0, aliases=["production"]
        )
        rows = backend.registry.compare(artifacts=["p/model-lr:v0"], models=["risk@production"])
        assert [(r.version.name, r.model_ref, r.run_id) for r in rows] == [
            ("model-lr", None, runs[0]),
            ("model-rf", "risk:v1", runs[1]),
        ]
        assert rows[1].summary["test/recall"] == 0.6 and rows[1].run_name == "train-rf"
        assert rows[0].inputs == ("p/clean:v0",) == rows[1].inputs
        with pytest.raises(InvalidArgument, match="project"):
            backend.registry.compare(artifacts=["model-lr:v0"])
        with pytest.raises(NotFound):
            backend.registry.compare(models=["risk@staging"])

    def test_aliases_cannot_reach_into_another_project(
        self, backend: BaseBackend, tmp_path: Path
    ) -> None:
        log(backend, tmp_path, "q", "d", {"a": b"1"})
        log(backend, tmp_path, "p", "d", {"a": b"1"})
        for bad in ("q/d:v0", "d:v0"):
            with pytest.raises(InvalidArgument, match="another artifact or project"):
                backend.artifacts.update("p", "d", 0, ArtifactPatch(add_aliases=(bad,)))
        assert backend.artifacts.get_version("q", "d", 0).aliases == ("latest",)

    def test_concurrent_commits_of_a_new_name(self, backend: BaseBackend, tmp_path: Path) -> None:
        from concurrent.futures import ThreadPoolExecutor

        def one(i: int) -> int:
            folder = tmp_path / f"w{i}"
            folder.mkdir()
            version, _ = log(backend, folder, "p", "fresh", {"x": f"content {i}".encode()})
            return version.version

        with ThreadPoolExecutor(6) as pool:
            numbers = list(pool.map(one, range(12)))
        assert sorted(numbers) == list(range(12))
