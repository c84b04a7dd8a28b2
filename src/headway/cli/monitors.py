"""``headway monitor create|ls|show|log|labels|compute|recompute|results|audit|delete``
and ``headway worker``."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from headway.backend.monitoring_wire import explanation_to_wire
from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option
from headway.entities.monitoring import RESULT_KINDS, MonitorSpec
from headway.errors import InvalidArgument
from headway.monitoring.batches import labels_table, predictions_table


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"invalid date {text!r}: use ISO 8601, e.g. 2026-11-01") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _read(path: Path) -> pa.Table:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pq.read_table(path)
    if suffix == ".csv":
        return pacsv.read_csv(path)
    raise InvalidArgument(f"{path}: use a .parquet or .csv file")


def _pop(table: pa.Table, column: str | None) -> tuple[pa.Table, Any]:
    if not column:
        return table, None
    if column not in table.column_names:
        raise InvalidArgument(f"the file has no column {column!r}")
    return table.drop_columns([column]), table.column(column)


@click.group()
def monitor() -> None:
    """Monitors of models in production: drift, performance, fairness, data quality."""


def _spec_options(fn: Any) -> Any:
    options = [
        click.option("--features", required=True, help="Comma-separated input columns."),
        click.option("--categorical", default="", help="Which features are categories."),
        click.option(
            "--model", default=None, help="Registered model, e.g. dropout-risk@production."
        ),
        click.option(
            "--reference", default=None, help="Dataset artifact version, e.g. students:v3."
        ),
        click.option("--prediction", default=None, help="Score (binary) or value column."),
        click.option("--prediction-label", default=None, help="Column of the decided class."),
        click.option("--label", default=None, help="Ground-truth column."),
        click.option("--segments", default="", help="Comma-separated segment columns."),
        click.option("--sensitive", default="", help="Comma-separated fairness attributes."),
        click.option(
            "--task", type=click.Choice(["binary", "multiclass", "regression"]), default="binary"
        ),
        click.option("--window", default="1d", help="1h, 1d, 7d … or a row count like 5000rows."),
        click.option("--positive", default=None, help="The positive class when labels are text."),
        click.option("--min-rows", type=int, default=30, help="Fewest values a test runs on."),
        click.option("--retention-days", type=int, default=None, help="Delete older records."),
        click.option(
            "--explain-rows",
            type=int,
            default=0,
            show_default=True,
            help="Predictions of each window explained with SHAP (needs --model).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@monitor.command("create")
@click.argument("project")
@click.argument("name")
@_spec_options
@click.option("--update", is_flag=True, help="Replace the config if the monitor exists.")
@dir_option
@db_option
@url_option
def create(
    project: str,
    name: str,
    update: bool,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
    **o: Any,
) -> None:
    """Create a monitor (the reference must already be a dataset artifact version)."""
    spec = MonitorSpec(
        project=project,
        name=name,
        features=_split(o["features"]),
        categorical=_split(o["categorical"]),
        model=o["model"],
        reference=o["reference"],
        prediction=o["prediction"],
        prediction_label=o["prediction_label"],
        label=o["label"],
        segments=_split(o["segments"]),
        sensitive=_split(o["sensitive"]),
        task=o["task"],
        window=o["window"],
        positive=o["positive"],
        min_rows=o["min_rows"],
        retention_days=o["retention_days"],
        explain_rows=o["explain_rows"],
    )
    backend = open_backend(build_settings(store_dir, db_url, url))
    m = backend.monitoring.create_monitor(spec, exist_ok=update)
    click.echo(
        f"monitor {m.project}/{m.name} (config v{m.config_version}), "
        f"reference {m.reference_ref or '-'}"
    )


@monitor.command("ls")
@click.option("--project", default=None, help="Only this project's monitors.")
@dir_option
@db_option
@url_option
def ls(project: str | None, store_dir: Path | None, db_url: str | None, url: str | None) -> None:
    """List monitors with their health."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    for m in backend.monitoring.list_monitors(project):
        verdict = m.health.get("verdict", "not computed")
        click.echo(f"{m.project}/{m.name:<28} {m.rows:>10} rows {m.labels:>9} labels  {verdict}")


@monitor.command("show")
@click.argument("project")
@click.argument("name")
@dir_option
@db_option
@url_option
def show(
    project: str, name: str, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Show a monitor's config, health and windows."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    m = backend.monitoring.get_monitor(project, name)
    click.echo(
        json.dumps(
            {"spec": m.spec.__dict__, "health": m.health, "rows": m.rows, "labels": m.labels},
            default=str,
            indent=2,
        )
    )
    for w in backend.monitoring.windows(project, name):
        issues = ", ".join(f"{k} {v}" for k, v in sorted(w.issues.items())) or "-"
        click.echo(
            f"{w.start:%Y-%m-%d %H:%M}  {w.rows:>8} rows {w.labeled:>8} labelled  "
            f"{w.verdict:<18} {issues}"
        )


@monitor.command("log")
@click.argument("project")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id-column", default=None, help="Column holding the prediction ids.")
@click.option("--time-column", default=None, help="Column holding the prediction times.")
@click.option("--model-version", type=int, default=None, help="The model version that predicted.")
@dir_option
@db_option
@url_option
def log(
    project: str,
    name: str,
    file: Path,
    id_column: str | None,
    time_column: str | None,
    model_version: int | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Log predictions from a Parquet or CSV file (inputs + prediction columns)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    spec = backend.monitoring.get_monitor(project, name).spec
    table, ids = _pop(_read(file), id_column)
    table, times = _pop(table, time_column)
    preds, labels = predictions_table(
        spec, table, ids=ids, timestamps=times, model_version=model_version
    )
    report = backend.monitoring.log_predictions(project, name, preds)
    if labels is not None:
        backend.monitoring.log_labels(project, name, labels)
    click.echo(
        f"stored {report.rows} predictions in {report.files} file(s)"
        + (" (already stored)" if report.duplicate else "")
    )


@monitor.command("labels")
@click.argument("project")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id-column", required=True, help="Column holding the prediction ids.")
@click.option("--label-column", required=True, help="Column holding the labels.")
@click.option("--time-column", default=None, help="When each label became known.")
@dir_option
@db_option
@url_option
def labels(
    project: str,
    name: str,
    file: Path,
    id_column: str,
    label_column: str,
    time_column: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Log ground truth that arrived later, by prediction id."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    t = _read(file)
    for c in (id_column, label_column):
        if c not in t.column_names:
            raise InvalidArgument(f"{file}: no column {c!r}")
    table = labels_table(
        t.column(id_column),
        t.column(label_column),
        timestamps=t.column(time_column) if time_column else None,
    )
    report = backend.monitoring.log_labels(project, name, table)
    click.echo(f"stored {report.rows} labels")
    for message in report.messages:
        click.echo(message)


@monitor.command("compute")
@click.argument("project")
@click.argument("name")
@click.option("--since", default=None, help="Recompute windows from this date (with --force).")
@click.option("--until", default=None, help="Only windows before this date.")
@click.option("--force", is_flag=True, help="Recompute even windows whose inputs did not change.")
@dir_option
@db_option
@url_option
def compute(
    project: str,
    name: str,
    since: str | None,
    until: str | None,
    force: bool,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Bring the windows up to date now."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    r = backend.monitoring.compute(
        project, name, since=_when(since), until=_when(until), force=force
    )
    click.echo(
        f"{r.windows} windows: {r.recomputed} computed, {r.skipped} unchanged, "
        f"{r.results} results in {r.seconds:.2f} s"
    )
    for message in r.messages:
        click.echo(message)


@monitor.command("recompute")
@click.argument("project")
@click.argument("name")
@click.option("--since", default=None, help="First day to recompute (ISO 8601).")
@click.option("--until", default=None, help="Day to stop before (ISO 8601).")
@dir_option
@db_option
@url_option
def recompute(
    project: str,
    name: str,
    since: str | None,
    until: str | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Queue a recomputation of a past range for the background workers."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    job = backend.monitoring.recompute(project, name, since=_when(since), until=_when(until))
    click.echo(f"queued job {job}")


@monitor.command("results")
@click.argument("project")
@click.argument("name")
@click.option("--kind", type=click.Choice(RESULT_KINDS), default=None)
@click.option("--subject", default=None, help="A feature, segment column or attribute.")
@click.option("--alerts", is_flag=True, help="Only results that drifted or alert.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@dir_option
@db_option
@url_option
def results(
    project: str,
    name: str,
    kind: str | None,
    subject: str | None,
    alerts: bool,
    fmt: str,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Print results: window, kind, subject, group, metric, value, p-value, threshold, verdict."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    found = backend.monitoring.results(project, name, kinds=[kind] if kind else (), subject=subject)
    if alerts:
        found = [r for r in found if r.verdict in ("drift", "alert")]
    columns = [
        "window_start",
        "kind",
        "subject",
        "group",
        "metric",
        "value",
        "p_value",
        "threshold",
        "verdict",
        "rows",
    ]
    if fmt == "json":
        click.echo(json.dumps([{c: getattr(r, c) for c in columns} for r in found], default=str))
        return
    if fmt == "csv":
        click.echo(",".join(columns))
        for r in found:
            click.echo(
                ",".join("" if getattr(r, c) is None else str(getattr(r, c)) for c in columns)
            )
        return
    for r in found:
        value = "-" if r.value is None else f"{r.value:.4g}"
        p = "" if r.p_value is None else f" p={r.p_value:.3g}"
        click.echo(
            f"{r.window_start:%Y-%m-%d %H:%M}  {r.kind:<12} {r.subject:<26} {r.group:<12} "
            f"{r.metric:<30} {value:>9}{p}  {r.verdict}"
        )


@monitor.command("audit")
@click.argument("project")
@click.argument("name")
@click.argument("ids", nargs=-1, required=True)
@click.option("--model-version", type=int, default=None, help="Only this model version.")
@dir_option
@db_option
@url_option
def audit(
    project: str,
    name: str,
    ids: tuple[str, ...],
    model_version: int | None,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """What the model predicted for these ids: inputs, time, version and label."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    table = backend.monitoring.audit(project, name, ids=list(ids), model_version=model_version)
    for row in table.to_pylist():
        click.echo(json.dumps(row, default=str))
    if table.num_rows == 0:
        click.echo("no prediction with these ids")


@monitor.command("explain")
@click.argument("project")
@click.argument("name")
@click.argument("id")
@click.option("--model-version", type=int, default=None, help="The prediction by this version.")
@click.option("--top", type=click.IntRange(1), default=10, show_default=True, help="Inputs shown.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole explanation as JSON.")
@dir_option
@db_option
@url_option
def explain(
    project: str,
    name: str,
    id: str,
    model_version: int | None,
    top: int,
    as_json: bool,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Why the prediction logged for ID came out as it did: each input's SHAP contribution,
    by the registered model version that made it (the monitor needs --model)."""
    backend = open_backend(build_settings(store_dir, db_url, url))
    e = backend.monitoring.explain_prediction(project, name, id, model_version=model_version)
    if as_json:
        click.echo(json.dumps(explanation_to_wire(e), default=str, indent=2))
        return
    score = "" if e.score is None else f"score {e.score:.3f}"
    flag = "" if e.flagged is None else (" · flagged" if e.flagged else " · not flagged")
    label = "" if e.label is None else f" · outcome {e.label}"
    click.echo(
        f"{e.id}  {e.timestamp:%Y-%m-%d %H:%M}  {e.model} v{e.model_version}  {score}{flag}{label}"
    )
    space = e.output_space.replace("_", "-")
    click.echo(f"{e.method}: {space} {e.output:+.3f} = base {e.base_value:+.3f} plus")
    width = max((len(c.feature) for c in e.contributions[:top]), default=0)
    for c in e.contributions[:top]:
        click.echo(f"  {c.contribution:+8.3f}  {c.feature:<{width}} = {c.value}")
    rest = e.contributions[top:]
    if rest:
        total = sum(c.contribution for c in rest)
        click.echo(f"  {total:+8.3f}  ({len(rest)} more inputs)")


@monitor.command("delete")
@click.argument("project")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@dir_option
@db_option
@url_option
def delete(
    project: str, name: str, yes: bool, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Delete a monitor with its windows and results (its files go at the next gc)."""
    if not yes:
        click.confirm(f"Delete monitor {project}/{name} and all its results?", abort=True)
    open_backend(build_settings(store_dir, db_url, url)).monitoring.delete_monitor(project, name)
    click.echo(f"deleted {project}/{name}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--poll", type=float, default=1.0, show_default=True, help="Seconds between polls.")
@dir_option
@db_option
def worker(once: bool, poll: float, store_dir: Path | None, db_url: str | None) -> None:
    """Take background jobs (monitor windows) from the store's queue and run them.

    Run any number, on any machines, against the same PostgreSQL database (--db) and
    object store; each job is taken by exactly one worker.
    """
    from headway.backend.local import LocalBackend

    backend = open_backend(build_settings(store_dir, db_url, None))
    assert isinstance(backend, LocalBackend)
    w = backend.worker
    w.poll = poll
    click.echo(f"worker {w.name} on {backend.settings.db_url.split('@')[-1]}")
    began = time.monotonic()
    with contextlib.suppress(KeyboardInterrupt):
        w.run(until_idle=once)
    click.echo(f"processed {w.processed} job(s) in {time.monotonic() - began:.1f} s")
