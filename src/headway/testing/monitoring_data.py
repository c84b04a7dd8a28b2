"""A monitored model with drift, data-quality issues and delayed labels, for the monitoring UI.

:func:`fill_monitoring_project` writes, through the public SDK only (``headway.init``,
``run.link_model``, ``headway.Monitor``), into the embedded store ``dir`` names (or
``HEADWAY_DIR``):

* the registered model ``dropout-risk`` (one version, alias ``production``) linked from a
  training run, so the monitor's model, its version and the run that trained it exist;
* the monitor ``dropout-risk`` watching it, whose reference is the synthetic reference
  frame (stored by the SDK as the dataset artifact ``dropout-risk-reference``);
* ``days`` days of predictions (``rows_per_day`` a day, in ``window`` windows, daily by
  default) from :func:`headway.monitoring.synthetic.generate` (scenario ``"all"`` by
  default: from ``change_day`` on, ``lms_logins_per_week`` shifts,
  ``avg_grade`` spreads, the new course "Data Science" appears, the ``enrollment_type``
  mix changes and ``work_hours`` goes 30 % missing);
* the true outcomes of every prediction whose label would have arrived by now
  (``label_delay_days`` after it), so the most recent windows have no labels and only
  the label-free estimates (CBPE) speak for them;
* a computed monitor: every window's results are stored before this returns.

The browser tests run it in a subprocess; ``headway ui`` on the same folder shows it.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

import headway
from headway.monitoring import synthetic

MODEL = "dropout-risk"
MONITOR = "dropout-risk"


@dataclass(frozen=True)
class MonitoringProject:
    project: str
    monitor: str
    model: str
    train_run: str
    start: str
    change_start: str
    #: Columns changed from ``change_start`` on, by kind (``mean_shift`` → column).
    changes: dict[str, str]
    #: A student whose prediction and label are both stored (for the audit view).
    audit_id: str
    #: A student predicted in the last window, before its label arrived.
    unlabelled_id: str
    rows: int
    labels: int
    windows: int


def _train(project: str, reference: pd.DataFrame, work: Path, dir: Path | None) -> str:
    """A training run that registers the synthetic model as ``dropout-risk@production``."""
    with headway.init(
        project=project,
        dir=dir,
        name="train-dropout-risk",
        job_type="train",
        config={"model": "logistic", "threshold": synthetic.THRESHOLD},
        tags=["dropout"],
    ) as run:
        y = reference["dropped_out"].to_numpy()
        predicted = reference["predicted"].to_numpy()
        run.log(
            {"val/accuracy": float((y == predicted).mean()), "val/positive_rate": float(y.mean())}
        )
        folder = work / "model"
        folder.mkdir(parents=True)
        (folder / "model.json").write_text(
            json.dumps(
                {
                    "intercept": synthetic.MODEL_INTERCEPT,
                    "coefficients": synthetic.MODEL_COEFFICIENTS,
                    "centres": synthetic.MODEL_CENTRES,
                    "scales": synthetic.MODEL_SCALES,
                    "enrollment": synthetic.MODEL_ENROLLMENT,
                    "threshold": synthetic.THRESHOLD,
                },
                indent=2,
            )
        )
        run.link_model(
            str(folder),
            MODEL,
            aliases=["production"],
            description="Logistic drop-out risk model (synthetic).",
        )
        return run.id


def fill_monitoring_project(
    project: str = "dropout",
    *,
    dir: str | Path | None = None,
    scenario: str = "all",
    days: int = 14,
    rows_per_day: int = 1_000,
    n_reference: int = 5_000,
    change_day: int = 7,
    window: str = "1d",
    label_delay_days: int = 3,
    seed: int = 0,
    now: datetime | None = None,
) -> MonitoringProject:
    """Log the model, monitor, predictions and labels described in the module docstring.

    The ``days`` days of traffic end at the start of today (UTC), so every window is
    complete; labels arrive ``label_delay_days`` after their prediction, and those not yet
    arrived at ``now`` are left out. A thousand rows a day gives the 11 % of students with
    a declared disability enough rows in most daily windows for fairness gaps to be
    measured; with fewer, that attribute's gaps are reported as insufficient data.
    """
    store = Path(dir) if dir is not None else None
    now = now or datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=days)
    data = synthetic.generate(
        scenario=scenario,
        seed=seed,
        n_reference=n_reference,
        days=days,
        rows_per_day=rows_per_day,
        start=start,
        change_day=change_day,
        label_delay_days=label_delay_days,
    )
    with tempfile.TemporaryDirectory(prefix="headway-monitoring-") as tmp:
        train_run = _train(project, data.reference, Path(tmp), store)

    reference_cols = [*data.features, data.prediction, data.predicted_label, data.label]
    monitor = headway.Monitor(
        project,
        name=MONITOR,
        model=f"{MODEL}@production",
        reference=data.reference[reference_cols],
        features=list(data.features),
        categorical=list(data.categorical),
        prediction=data.prediction,
        prediction_label=data.predicted_label,
        label=data.label,
        segments=list(data.segments),
        sensitive=list(data.sensitive),
        window=window,
        decision_threshold=data.threshold,
        description="Checks of the drop-out risk model on this term's students (synthetic data).",
        dir=store,
    )
    current = data.current
    inputs = current[[*data.features, data.prediction, data.predicted_label]]
    monitor.log(inputs, ids=current[data.id_column], timestamps=current[data.timestamp])
    arrived = current[current[data.label_timestamp] <= pd.Timestamp(now)]
    monitor.log_labels(
        arrived[data.id_column],
        arrived[data.label],
        timestamps=arrived[data.label_timestamp],
    )
    report = monitor.compute()
    monitor.close()

    last_day = current[current[data.timestamp] >= pd.Timestamp(today - timedelta(days=1))]
    change_start = start + timedelta(days=change_day)
    labelled = arrived[arrived[data.timestamp] >= pd.Timestamp(change_start)]
    return MonitoringProject(
        project=project,
        monitor=MONITOR,
        model=MODEL,
        train_run=train_run,
        start=start.isoformat(),
        change_start=change_start.isoformat(),
        changes={c.kind: c.column for c in data.changes},
        audit_id=str(labelled[data.id_column].iloc[0]),
        unlabelled_id=str(last_day[data.id_column].iloc[-1]),
        rows=len(current),
        labels=len(arrived),
        windows=report.windows,
    )


def main() -> None:  # pragma: no cover - a convenience for filling a store by hand
    import sys

    store = sys.argv[1] if len(sys.argv) > 1 else None
    print(json.dumps(asdict(fill_monitoring_project(dir=store))))


if __name__ == "__main__":  # pragma: no cover
    main()
