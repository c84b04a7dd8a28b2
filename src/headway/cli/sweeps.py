"""``headway sweep …`` and ``headway agent``: define searches, steer them, run trials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from headway.backend.sweeps_wire import sweep_to_wire, trial_to_wire
from headway.cli.options import build_settings, db_option, dir_option, open_backend, url_option
from headway.entities.sweeps import Sweep, Trial


def _sweeps(store_dir: Path | None, db_url: str | None, url: str | None) -> Any:
    return open_backend(build_settings(store_dir, db_url, url)).sweeps


def _values(trial: Trial) -> str:
    if not trial.values:
        return "-"
    return ", ".join(f"{v:.6g}" if v is not None else "-" for v in trial.values)


def _summary(sweep: Sweep) -> str:
    counts = ", ".join(f"{n} {state}" for state, n in sorted(sweep.counts.items())) or "no trials"
    cap = f" of {sweep.run_cap}" if sweep.run_cap else ""
    goal = ", ".join(f"{m.goal} {m.name}" for m in sweep.metrics) or "no metric"
    lines = [
        f"sweep {sweep.id} ({sweep.name}) in {sweep.project}: {sweep.state}"
        + (f" — {sweep.message}" if sweep.message else ""),
        f"  method {sweep.method}, {goal}; {sweep.total}{cap} trials: {counts}",
    ]
    for trial in sweep.best[:5]:
        lines.append(
            f"  best: trial {trial.number} (run {trial.run_id or '-'}) {_values(trial)} "
            f"with {json.dumps(trial.params)}"
        )
    return "\n".join(lines)


@click.group("sweep")
def sweep() -> None:
    """Hyperparameter sweeps: create one from a file, watch and steer it.

    Run its trials with `headway agent SWEEP_ID` on any number of machines.
    """


@sweep.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "-p", help="Project (default: the file's project key).")
@click.option("--name", help="Display name (default: the file's name key, else the id).")
@click.option("--paused", is_flag=True, help="Create it paused; agents wait until resumed.")
@dir_option
@db_option
@url_option
def create(
    file: Path,
    project: str | None,
    name: str | None,
    paused: bool,
    store_dir: Path | None,
    db_url: str | None,
    url: str | None,
) -> None:
    """Create a sweep from a YAML (or JSON) sweep file and print its id."""
    from headway.sdk.sweeps.agent import load_sweep_file

    config = load_sweep_file(file)
    created = _sweeps(store_dir, db_url, url).create_sweep(
        project, config, name=name, paused=paused
    )
    click.echo(created.id)
    click.echo(
        f"created sweep {created.id} in project {created.project}; run trials with: "
        f"headway agent {created.id}",
        err=True,
    )


@sweep.command("list")
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@dir_option
@db_option
@url_option
def list_sweeps(
    project: str, as_json: bool, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """A project's sweeps, newest first."""
    found = _sweeps(store_dir, db_url, url).list_sweeps(project)
    if as_json:
        click.echo(json.dumps([sweep_to_wire(s) for s in found], indent=2))
        return
    if not found:
        click.echo(f"no sweeps in {project}")
    for s in found:
        best = f" best {_values(s.best[0])}" if s.best else ""
        click.echo(f"{s.id}  {s.state:<9} {s.method:<6} {s.total:>5} trials{best}  {s.name}")


@sweep.command("show")
@click.argument("sweep_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@dir_option
@db_option
@url_option
def show(
    sweep_id: str, as_json: bool, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """A sweep's progress and its best trial (the Pareto front for several metrics)."""
    found = _sweeps(store_dir, db_url, url).get_sweep(sweep_id)
    click.echo(json.dumps(sweep_to_wire(found), indent=2) if as_json else _summary(found))


@sweep.command("trials")
@click.argument("sweep_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@dir_option
@db_option
@url_option
def trials(
    sweep_id: str, as_json: bool, store_dir: Path | None, db_url: str | None, url: str | None
) -> None:
    """Every trial of a sweep: state, values, run and parameters."""
    found = _sweeps(store_dir, db_url, url).list_trials(sweep_id)
    if as_json:
        click.echo(json.dumps([trial_to_wire(t) for t in found], indent=2))
        return
    for t in found:
        retry = f" (retry of {t.retry_of})" if t.retry_of is not None else ""
        click.echo(
            f"{t.number:>4}  {t.state:<9} {_values(t):<24} run {t.run_id or '-':<9}"
            f"{retry}  {json.dumps(t.params)}" + (f"  — {t.message}" if t.message else "")
        )


def _action(name: str, help_text: str) -> None:
    @sweep.command(name, help=help_text)
    @click.argument("sweep_id")
    @dir_option
    @db_option
    @url_option
    def command(sweep_id: str, store_dir: Path | None, db_url: str | None, url: str | None) -> None:
        click.echo(_summary(_sweeps(store_dir, db_url, url).sweep_action(sweep_id, name)))


_action("pause", "Hand out no new trials until resumed (running trials go on).")
_action("resume", "Hand out trials again.")
_action("stop", "Hand out no more trials; running trials finish normally.")
_action("cancel", "Hand out no more trials, and tell running trials to stop.")


@click.command("agent")
@click.argument("sweep_id")
@click.option("--count", type=click.IntRange(min=1), help="Run at most this many trials.")
@click.option(
    "--stop-grace",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds a pruned trial's program has to stop by itself before it is terminated.",
)
@dir_option
@url_option
def agent(
    sweep_id: str,
    count: int | None,
    stop_grace: float,
    store_dir: Path | None,
    url: str | None,
) -> None:
    """Run trials of a sweep: its program or command, once per trial, with the trial's
    parameters as --name=value arguments and HEADWAY_PARAM_* variables.

    Start as many agents as you like, on any machines that reach the same server
    (HEADWAY_URL) or store. Each stops when the sweep has no more trials.
    """
    from headway.sdk.sweeps.agent import Agent

    runner = Agent(
        sweep_id,
        count=count,
        dir=store_dir,
        url=url,
        stop_grace=stop_grace,
        echo=lambda text: click.echo(f"headway agent: {text}", err=True),
    )
    ran = runner.run()
    click.echo(f"headway agent: ran {ran} trial{'s' if ran != 1 else ''}", err=True)
