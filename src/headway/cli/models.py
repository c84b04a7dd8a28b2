"""``headway model ls|show|promote|rollback|history|protect|compare|rename|delete``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from headway.artifacts.names import version_selector
from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option
from headway.errors import InvalidArgument

role_option = click.option(
    "--role", default=None, help="Role to act as when the alias is protected."
)


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(
            f"invalid date {text!r}: use ISO 8601, e.g. 2027-03-03 or 2027-03-03T12:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if len(text) <= 10:  # a bare date means the end of that day
        value = value.replace(hour=23, minute=59, second=59)
    return value


@click.group()
def model() -> None:
    """The model registry: list, inspect, promote, roll back and audit models."""


@model.command("ls")
@click.option("--query", "-q", default=None, help="Only models whose name contains this.")
@dir_option
@db_option
@url_option
def model_ls(
    query: str | None, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """List registered models with their aliases."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    for m in backend.registry.list_models(query):
        aliases = ", ".join(f"{a}=v{v}" for a, v in sorted(m.aliases.items())) or "-"
        click.echo(f"{m.name:<32} {m.version_count:>4} versions  {aliases}")


@model.command("show")
@click.argument("name")
@dir_option
@db_option
@url_option
def model_show(name: str, store_dir: Path | None, db_url: str | None, url: str | None) -> None:
    """Show a model's card, aliases and versions."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    m = backend.registry.get_model(name)
    click.echo(f"{m.name}  ({m.version_count} versions)")
    if m.description:
        click.echo(m.description)
    for alias, role in sorted(m.protected.items()):
        click.echo(f"protected: {alias} (needs role {role})")
    for v in backend.registry.list_versions(name):
        aliases = ",".join(v.aliases) or "-"
        click.echo(
            f"  v{v.version:<4} {v.artifact_ref:<40} run={v.run_id or '-':<10} "
            f"{v.created_at:%Y-%m-%d %H:%M} {v.created_by:<12} aliases={aliases}"
        )


@model.command("promote")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--alias", "-a", default="production", show_default=True)
@role_option
@dir_option
@db_option
@url_option
def model_promote(
    name: str,
    version: int,
    alias: str,
    role: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Point ALIAS at VERSION (recorded in the model's history)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    before = backend.registry.get_model(name).aliases.get(alias)
    backend.registry.set_alias(name, alias, version, role=role)
    moved = f" (was v{before})" if before is not None and before != version else ""
    click.echo(f"{name}@{alias} -> v{version}{moved}")


@model.command("rollback")
@click.argument("name")
@click.option("--alias", "-a", default="production", show_default=True)
@role_option
@dir_option
@db_option
@url_option
def model_rollback(
    name: str,
    alias: str,
    role: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Move ALIAS back to the version it pointed to before its last move."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    before = backend.registry.get_model(name).aliases.get(alias)
    now = backend.registry.rollback(name, alias, role=role)
    click.echo(f"{name}@{alias} -> v{now.version} (rolled back from v{before})")


@model.command("history")
@click.argument("name")
@click.option("--alias", "-a", default=None, help="Only events of this alias.")
@click.option("--at", "at", default=None, help="Print what --alias pointed to at this date/time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@dir_option
@db_option
@url_option
def model_history(
    name: str,
    alias: str | None,
    at: str | None,
    as_json: bool,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """The model's immutable history, newest first (or, with --at, one alias at a date)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    if at is not None:
        if alias is None:
            raise InvalidArgument("--at needs --alias, e.g. --alias production --at 2027-03-03")
        found = backend.registry.alias_at(name, alias, _when(at))
        if found is None:
            click.echo(f"{name}@{alias} was not set at {at}")
        else:
            click.echo(
                f"{name}@{alias} at {at}: v{found.version} ({found.artifact_ref}, "
                f"run {found.run_id or '-'})"
            )
        return
    for e in backend.registry.history(name, alias=alias):
        if as_json:
            click.echo(json.dumps(e.__dict__, default=str))
            continue
        what = e.action
        if e.alias:
            what += f" {e.alias}"
        if e.version is not None:
            what += f" -> v{e.version}"
        if e.previous_version is not None:
            what += f" (from v{e.previous_version})"
        if e.details.get("rollback"):
            what += " [rollback]"
        click.echo(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor:<12} {what}")


@model.command("protect")
@click.argument("name")
@click.argument("alias")
@click.option("--role", required=True, help="Role required to move ALIAS ('none' lifts it).")
@dir_option
@db_option
@url_option
def model_protect(
    name: str, alias: str, role: str, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Require ROLE to move ALIAS (e.g. production needs 'approver')."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    backend.registry.protect(name, alias, None if role == "none" else role)
    click.echo(f"{name}@{alias}: " + ("unprotected" if role == "none" else f"needs role {role}"))


def _delete_target(ref: str) -> tuple[str, int | None]:
    """``NAME`` (the whole model) or ``NAME:vN`` / ``NAME:N`` (one version)."""
    name, colon, version = ref.partition(":")
    if not colon:
        return name, None
    number = version_selector(version)
    if not isinstance(number, int):
        raise InvalidArgument(
            f"{ref!r}: give a version number (e.g. {name}:v3); aliases and 'latest' are "
            "not accepted here"
        )
    return name, number


@model.command("rename")
@click.argument("old")
@click.argument("new")
@dir_option
@db_option
@url_option
def model_rename(
    old: str, new: str, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Rename registered model OLD to NEW; its versions, aliases, automations and history
    stay with it (the history records the rename)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    renamed = backend.registry.rename_model(old, new)
    click.echo(f"renamed {old} -> {renamed.name}")


@model.command("delete")
@click.argument("ref", metavar="NAME[:vN]")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--role", default=None, help="Role to act as when a protected alias is involved.")
@dir_option
@db_option
@url_option
def model_delete(
    ref: str,
    yes: bool,
    role: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Delete a registered model, or one version with NAME:vN. Cannot be undone.

    A version's aliases are removed with it and its history stays; deleting a whole model
    also deletes its aliases, automations and history. The artifact versions stay. A
    protected alias involved needs --role.
    """
    name, version = _delete_target(ref)
    backend = open_backend(build_settings(store_dir, db_url, url))
    if version is None:
        m = backend.registry.get_model(name)
        aliases = ", ".join(f"{a}=v{v}" for a, v in sorted(m.aliases.items())) or "none"
        question = (
            f"Delete registered model {name!r} with its {m.version_count} versions "
            f"(aliases: {aliases}), automations and history?"
        )
    else:
        mv = backend.registry.get_version(name, version)
        question = f"Delete {name}:v{version} ({mv.artifact_ref})" + (
            f" and its aliases {', '.join(mv.aliases)}?" if mv.aliases else "?"
        )
    if not yes:
        click.confirm(question, abort=True)
    if version is None:
        backend.registry.delete_model(name, role=role)
        click.echo(f"deleted {name}")
    else:
        backend.registry.delete_version(name, version, role=role)
        click.echo(f"deleted {name}:v{version}")


@model.command("compare")
@click.argument("refs", nargs=-1, required=True)
@click.option(
    "--metric",
    "-k",
    "metrics",
    multiple=True,
    help="Summary keys to show (default: every test/ and fairness/ key).",
)
@dir_option
@db_option
@url_option
def model_compare(
    refs: tuple[str, ...],
    metrics: tuple[str, ...],
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Compare versions side by side: REFS are registered versions (dropout-risk:2,
    dropout-risk@production) or artifact versions (project/name:v3)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    models = [r for r in refs if "/" not in r]
    artifacts = [r for r in refs if "/" in r]
    rows = backend.registry.compare(artifacts=artifacts, models=models)
    keys = list(metrics) or sorted(
        {k for r in rows for k in r.summary if k.startswith(("test/", "fairness/"))}
    )
    labels = [r.model_ref or f"{r.version.project}/{r.version.qualified_name}" for r in rows]
    width = max(24, *(len(k) for k in keys)) if keys else 24
    click.echo(f"{'':<{width}} " + " ".join(f"{label:>26}" for label in labels))
    click.echo(
        f"{'artifact':<{width}} " + " ".join(f"{r.version.qualified_name:>26}" for r in rows)
    )
    click.echo(f"{'run':<{width}} " + " ".join(f"{(r.run_name or '-')[:26]:>26}" for r in rows))
    click.echo(
        f"{'data used':<{width}} "
        + " ".join(
            f"{', '.join(i.split('/', 1)[-1] for i in r.inputs)[:26] or '-':>26}" for r in rows
        )
    )
    for key in keys:
        values = [r.summary.get(key) for r in rows]
        shown = [
            f"{v:.4g}" if isinstance(v, float) else str(v if v is not None else "-") for v in values
        ]
        click.echo(f"{key:<{width}} " + " ".join(f"{s:>26}" for s in shown))
