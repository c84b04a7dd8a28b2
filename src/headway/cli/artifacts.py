"""``headway artifact put|get|ls|diff|verify|delete|restore``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from headway.artifacts.names import parse_selector
from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option
from headway.entities.artifacts import ArtifactVersion as VersionEntity
from headway.errors import InvalidArgument
from headway.sdk.artifacts.builder import Artifact
from headway.sdk.artifacts.logger import log_artifact
from headway.sdk.artifacts.version import ArtifactVersion

project_option = click.option(
    "--project", "-p", help="Project of references without a 'project/' prefix."
)


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _line(v: VersionEntity) -> str:
    aliases = ",".join(v.aliases) or "-"
    created = v.created_at.strftime("%Y-%m-%d %H:%M")
    return (
        f"{v.name}:v{v.version:<4} {v.type:<10} {_size(v.size):>10} {v.file_count:>6} files  "
        f"{created}  {v.created_by:<12} run={v.run_id or '-':<10} aliases={aliases}"
    )


def _resolve(ref: str, project: str | None, backend: object, cache: Path) -> ArtifactVersion:
    sel = parse_selector(ref, default_project=project)
    if sel.project is None:
        raise InvalidArgument(f"{ref!r} names no project: use 'project/{ref}' or --project")
    found = backend.artifacts.get_version(sel.project, sel.name, sel.version)  # type: ignore[attr-defined]
    return ArtifactVersion(backend, found, cache)  # type: ignore[arg-type]


@click.group()
def artifact() -> None:
    """Log, download, list, compare and verify artifact versions."""


@artifact.command("put")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--project", "-p", required=True, help="Project to log into.")
@click.option("--name", "-n", required=True, help="Artifact name, e.g. student_data.")
@click.option("--type", "-t", "type_", default="dataset", show_default=True)
@click.option("--alias", "-a", "aliases", multiple=True, help="Alias to point at the version.")
@click.option("--tag", "tags", multiple=True, help="Tag of the version (repeatable).")
@click.option("--description", "-d", default=None)
@click.option("--metadata", "-m", default=None, help="JSON object, e.g. '{\"rows\": 12000}'.")
@dir_option
@db_option
@url_option
def artifact_put(
    paths: tuple[Path, ...],
    project: str,
    name: str,
    type_: str,
    aliases: tuple[str, ...],
    tags: tuple[str, ...],
    description: str | None,
    metadata: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Log files and folders as a new version (identical content returns the existing one)."""
    try:
        meta = json.loads(metadata) if metadata else {}
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"--metadata is not valid JSON: {exc}") from None
    art = Artifact(name, type_, description=description, metadata=meta)
    for path in paths:
        if path.is_dir():
            art.add_dir(path, name=None if len(paths) == 1 else path.name)
        else:
            art.add_file(path)
    backend = open_backend(build_settings(store_dir, db_url, url))
    version, created = log_artifact(backend, project, art, run_id=None, aliases=aliases, tags=tags)
    state = "created" if created else "unchanged, same content as"
    click.echo(f"{state} {project}/{version.name}:v{version.version} ({version.digest[:12]})")


@artifact.command("get")
@click.argument("ref")
@click.option(
    "--root",
    "-r",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to download into (default ./artifacts/NAME:vN).",
)
@click.option("--prefix", default="", help="Only files whose path starts with this.")
@project_option
@dir_option
@db_option
@url_option
def artifact_get(
    ref: str,
    root: Path | None,
    prefix: str,
    project: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Download a version (REF: project/name:v3, :latest or :alias), verified."""
    settings = build_settings(store_dir, db_url, url)
    version = _resolve(ref, project, open_backend(settings), settings.cache_dir)
    where = version.download(root, path_prefix=prefix)
    click.echo(f"{version.qualified_name} -> {where}")


@artifact.command("ls")
@click.argument("project")
@click.argument("name", required=False)
@click.option("--type", "-t", "type_", default=None, help="Only artifacts of this type.")
@click.option("--all", "include_deleted", is_flag=True, help="Include deleted versions.")
@dir_option
@db_option
@url_option
def artifact_ls(
    project: str,
    name: str | None,
    type_: str | None,
    include_deleted: bool,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """List a project's artifacts, or the versions of one (NAME)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    if name is None:
        for a in backend.artifacts.list_artifacts(project, type_):
            aliases = ", ".join(f"{k}=v{v}" for k, v in sorted(a.aliases.items())) or "-"
            latest = "-" if a.latest_version is None else f"v{a.latest_version}"
            click.echo(
                f"{a.name:<32} {a.type:<12} {a.version_count:>4} versions  latest={latest:<6} "
                f"{aliases}"
            )
        return
    for v in backend.artifacts.list_versions(project, name, include_deleted=include_deleted):
        click.echo(_line(v) + ("  (deleted)" if v.deleted_at else ""))


@artifact.command("diff")
@click.argument("old")
@click.argument("new")
@project_option
@dir_option
@db_option
@url_option
def artifact_diff(
    old: str,
    new: str,
    project: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Show files added, removed and changed from OLD to NEW, and metadata changes."""
    a = parse_selector(old, default_project=project)
    b = parse_selector(new, default_project=project)
    if a.project is None or b.project is None or a.project != b.project:
        raise InvalidArgument("both versions must be in one project: use project/name:vN or -p")
    backend = open_backend(build_settings(store_dir, db_url, url))
    va = backend.artifacts.get_version(a.project, a.name, a.version)
    vb = backend.artifacts.get_version(b.project, b.name, b.version)
    diff = backend.artifacts.diff(a.project, a.name, va.version, vb.version, new_name=b.name)
    click.echo(f"{diff.old} -> {diff.new}: {len(diff.files)} changed, {diff.unchanged_files} same")
    marks = {"added": "+", "removed": "-", "changed": "~"}
    for f in diff.files:
        sizes = " -> ".join(_size(s) for s in (f.old_size, f.new_size) if s is not None)
        click.echo(f"  {marks[f.status]} {f.path}  ({sizes})")
    for key, (before, after) in diff.metadata.items():
        click.echo(f"  metadata.{key}: {before!r} -> {after!r}")


@artifact.command("verify")
@click.argument("ref")
@click.option(
    "--root",
    "-r",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Check a downloaded folder instead of the stored blobs.",
)
@project_option
@dir_option
@db_option
@url_option
def artifact_verify(
    ref: str,
    root: Path | None,
    project: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Re-hash a version's stored files (or a download) against its manifest; exit 1 on
    any difference."""
    settings = build_settings(store_dir, db_url, url)
    version = _resolve(ref, project, open_backend(settings), settings.cache_dir)
    report = version.verify(root)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    click.echo(
        f"{version.qualified_name}: {report.checked} files, "
        + ("all intact" if report.ok else f"{len(report.problems)} problem(s)")
    )
    if not report.ok:
        sys.exit(1)


@artifact.command("delete")
@click.argument("ref")
@project_option
@dir_option
@db_option
@url_option
def artifact_delete(
    ref: str, project: str | None, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Soft-delete a version (restore it until `headway gc` reclaims its files)."""
    settings = build_settings(store_dir, db_url, url)
    version = _resolve(ref, project, open_backend(settings), settings.cache_dir)
    version.delete()
    click.echo(f"deleted {version.project}/{version.qualified_name}")


@artifact.command("restore")
@click.argument("ref")
@project_option
@dir_option
@db_option
@url_option
def artifact_restore(
    ref: str, project: str | None, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Restore a deleted version (REF must name the version: project/name:v3)."""
    sel = parse_selector(ref, default_project=project)
    if sel.project is None or not isinstance(sel.version, int):
        raise InvalidArgument("restore needs project/name:vN")
    backend = open_backend(build_settings(store_dir, db_url, url))
    restored = backend.artifacts.restore(sel.project, sel.name, sel.version)
    click.echo(f"restored {restored.project}/{restored.qualified_name}")
