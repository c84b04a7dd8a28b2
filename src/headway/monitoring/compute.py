"""One window's numbers: drift, data quality, performance, estimates, fairness, concept.

Everything here is vectorised over the window's Arrow columns; the only Python loops
run over columns, segments and groups, never over rows. A test that lacks data says so
(verdict ``insufficient_data`` with the counts) instead of guessing.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from headway.entities.monitoring import MonitorResult, MonitorSpec
from headway.monitoring.detectors.profiles import prepare_current
from headway.monitoring.distributions import distribution
from headway.monitoring.drift import DriftResult, column_drift, dataset_drift
from headway.monitoring.fairness import (
    DEFAULT_THRESHOLDS,
    DISPARITIES,
    fairness_report,
    group_confusion,
)
from headway.monitoring.multivariate import domain_classifier
from headway.monitoring.performance import (
    ClassificationReport,
    RegressionReport,
    classification_performance,
    performance_by_segment,
    regression_performance,
)
from headway.monitoring.quality import column_quality
from headway.monitoring.reference import ReferenceFit, binary_labels, decisions, scores_of

#: The metric concept drift is judged on, per task.
PRIMARY = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "mae"}
#: Kinds that need labels; the others depend on the inputs only.
LABEL_KINDS = ("performance", "fairness", "concept")
INPUT_KINDS = (
    "drift",
    "dataset",
    "multivariate",
    "quality",
    "estimated",
    "volume",
    "explanation",
)
#: Bootstrap replicates of the fairness disparities (multinomial over the group cells).
FAIRNESS_BOOT = 200
#: Fewest rows a group needs in a window to enter the disparities: rates of a few dozen
#: students swing by tens of points from one day to the next.
FAIRNESS_MIN_GROUP = 100
FAIRNESS_LIMITS = {
    "demographic_parity_ratio": DEFAULT_THRESHOLDS.min_demographic_parity_ratio,
    "equalized_odds_difference": DEFAULT_THRESHOLDS.max_equalized_odds_difference,
    "equal_opportunity_difference": DEFAULT_THRESHOLDS.max_equal_opportunity_difference,
}


@dataclass
class WindowOutput:
    results: list[MonitorResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def add(self, **kw: Any) -> None:
        self.results.append(MonitorResult(**kw))


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


class WindowComputer:
    def __init__(
        self, spec: MonitorSpec, fit: ReferenceFit, start: datetime, end: datetime
    ) -> None:
        self.spec = spec
        self.fit = fit
        self.start = start
        self.end = end
        self.out = WindowOutput()

    def _row(self, kind: str, subject: str, metric: str, value: float | None, **kw: Any) -> None:
        self.out.add(
            window_start=self.start,
            window_end=self.end,
            kind=kind,
            subject=subject,
            group=kw.pop("group", "*"),
            metric=metric,
            value=_num(value),
            **kw,
        )

    # -- inputs ---------------------------------------------------------------------------
    def inputs(self, table: pa.Table) -> list[DriftResult]:
        spec = self.spec
        self._row("volume", "*", "rows", float(table.num_rows), rows=table.num_rows)
        self._versions(table)
        drifts: list[DriftResult] = []
        columns = [c for c in (*spec.features, spec.prediction) if c and c in self.fit.profiles]
        for column in columns:
            profile = self.fit.profiles[column]
            current = _prepare(profile, table.column(column))
            result = column_drift(
                profile,
                current,
                method=spec.methods.get(column),
                threshold=spec.thresholds.get(column),
                min_rows=spec.min_rows,
            )
            if column in spec.features:
                drifts.append(result)
            verdict = {"drift": "drift", "no_drift": "ok"}.get(result.verdict, result.verdict)
            detail: dict[str, Any] = {
                "label": result.label,
                "column_kind": result.kind,
                "n_reference": result.n_reference,
                "role": "prediction" if column == spec.prediction else "feature",
            }
            if result.message:
                detail["message"] = result.message
                self.out.messages.append(result.message)
            if current_rows(current) > 0:
                detail["distribution"] = distribution(profile, current).to_dict()
            self._row(
                "drift",
                column,
                result.method,
                result.statistic,
                p_value=_num(result.p_value),
                threshold=result.threshold,
                verdict=verdict,
                rows=result.n_current,
                detail=detail,
            )
            if column in spec.inputs:
                self._quality(column, profile, current)
        for column in spec.inputs:
            if column not in spec.features and column in self.fit.profiles:
                profile = self.fit.profiles[column]
                self._quality(column, profile, _prepare(profile, table.column(column)))
        ds = dataset_drift(drifts)
        self._row(
            "dataset",
            "*",
            "drift_share",
            ds.share if ds.n_columns else None,
            threshold=ds.threshold,
            verdict=("drift" if ds.drifted else "ok") if ds.n_columns else "insufficient_data",
            rows=table.num_rows,
            detail={
                "n_drifted": ds.n_drifted,
                "n_columns": ds.n_columns,
                "drifted": [d.column for d in drifts if d.verdict == "drift"],
            },
        )
        self._multivariate(table)
        self._estimated(table)
        return drifts

    def _versions(self, table: pa.Table) -> None:
        """Rows per model version, with when each first scored in the window: the moment a
        newly promoted version took over shows in the data, not only in the registry."""
        if "__mv" not in table.column_names or table.num_rows == 0:
            return
        versions = table.column("__mv")
        if versions.null_count == table.num_rows:
            return
        micros = np.asarray(table.column("__ts").cast(pa.int64()).to_numpy(), dtype=np.int64)
        values = np.asarray(versions.fill_null(-1).to_numpy(), dtype=np.int64)
        for version in np.unique(values[values >= 0]).tolist():
            mine = values == version
            first = datetime.fromtimestamp(int(micros[mine].min()) / 1e6, tz=UTC)
            self._row(
                "volume",
                "model_version",
                "rows",
                float(mine.sum()),
                group=str(version),
                rows=int(mine.sum()),
                detail={"first_at": first.isoformat()},
            )

    def _quality(self, column: str, profile: Any, current: Any) -> None:
        q = column_quality(profile, current)
        issues = set(q.issues)
        rows = [
            ("missing_rate", q.missing_rate, "missing_spike" in issues or "all_missing" in issues),
            ("type_mismatch", float(q.n_type_mismatch), "type_mismatch" in issues),
        ]
        if profile_kind(profile) == "categorical":
            rows.append(("new_category_rate", q.new_category_rate, "new_category" in issues))
        else:
            rows.append(("out_of_range_rate", q.out_of_range_rate, "out_of_range" in issues))
        for metric, value, flagged in rows:
            detail: dict[str, Any] = {"issues": list(q.issues)}
            if metric == "missing_rate":
                detail["reference"] = q.reference_missing_rate
            if metric == "new_category_rate" and q.new_categories:
                detail["new_categories"] = list(q.new_categories)[:20]
            self._row(
                "quality",
                column,
                metric,
                value,
                verdict="alert" if flagged else "ok",
                rows=q.n_rows,
                detail=detail,
            )

    def _multivariate(self, table: pa.Table) -> None:
        spec = self.spec
        features = [c for c in spec.features if c in table.column_names]
        if not features:
            return
        n = table.num_rows
        take = min(n, len(self.fit.sample))
        rng = np.random.default_rng(0)
        idx = np.sort(rng.choice(n, size=take, replace=False)) if take < n else np.arange(n)
        current = table.select(features).take(pa.array(idx)).to_pandas()
        numerical = [c for c in features if c not in spec.categorical]
        categorical = [c for c in features if c in spec.categorical]
        res = domain_classifier(
            self.fit.sample,
            current,
            numerical=numerical,
            categorical=categorical,
            max_rows=len(self.fit.sample),
            min_rows=max(200, spec.min_rows),
            folds=3,
        )
        self._row(
            "multivariate",
            "*",
            "domain_classifier_auc",
            res.auc,
            threshold=res.upper,
            verdict={"drift": "drift", "no_drift": "ok"}.get(res.verdict, res.verdict),
            rows=res.n_current,
            detail={
                "lower": res.lower,
                "upper": res.upper,
                "top_features": [list(x) for x in res.top_features],
                **({"message": res.message} if res.message else {}),
            },
        )

    def _estimated(self, table: pa.Table) -> None:
        cbpe = self.fit.cbpe
        if cbpe is None or not self.spec.prediction:
            return
        scores = scores_of(self.spec, table)
        ok = ~np.isnan(scores)
        if ok.sum() < self.spec.min_rows:
            self._row(
                "estimated",
                "*",
                "accuracy",
                None,
                verdict="insufficient_data",
                rows=int(ok.sum()),
                detail={
                    "message": f"{int(ok.sum())} scored rows; estimation needs {self.spec.min_rows}"
                },
            )
            return
        pred = decisions(self.spec, table)
        assert pred is not None
        estimates = cbpe.estimate(scores[ok], pred[ok])
        for name, m in estimates.items():
            lo, hi = cbpe.thresholds.get(name, (None, None))
            outside = (
                m.value is not None
                and lo is not None
                and (m.value < lo or (hi is not None and m.value > hi))
            )
            self._row(
                "estimated",
                "*",
                name,
                m.value,
                lower=_num(m.lower),
                upper=_num(m.upper),
                threshold=lo,
                verdict="alert" if outside else "ok",
                rows=int(ok.sum()),
                detail={"threshold_upper": hi, "calibrated": cbpe.calibrated},
            )

    # -- labels ---------------------------------------------------------------------------
    def labelled(
        self, table: pa.Table, labels: pa.Array | None, drifts: Sequence[DriftResult]
    ) -> int:
        """Performance, fairness and concept drift on the rows that have labels."""
        spec = self.spec
        if labels is None or spec.label is None:
            return 0
        has = np.asarray(labels.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        n_labelled = int(has.sum())
        if n_labelled < spec.min_rows:
            self._row(
                "performance",
                "*",
                PRIMARY[spec.task],
                None,
                verdict="insufficient_data",
                rows=n_labelled,
                detail={
                    "message": f"{n_labelled} rows have labels so far; performance needs "
                    f"{spec.min_rows}"
                },
            )
            return n_labelled
        t = table.filter(pa.array(has))
        y_raw = labels.filter(pa.array(has))
        if spec.task == "regression":
            y = np.asarray(
                y_raw.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
            )
            report: ClassificationReport | RegressionReport = regression_performance(
                y, scores_of(spec, t)
            )
            self._performance("*", "*", report)
            self._segments(t, y, None, None)
            self._concept(report, drifts)
            return n_labelled
        try:
            y_cls = binary_labels(spec, y_raw)
        except Exception as exc:
            self.out.messages.append(str(exc))
            return n_labelled
        pred = decisions(spec, t)
        assert pred is not None
        scores = scores_of(spec, t) if spec.prediction else None
        report = classification_performance(y_cls, pred, scores, task="binary")
        self._performance("*", "*", report)
        self._segments(t, y_cls, pred, scores)
        self._fairness(t, y_cls, pred)
        self._concept(report, drifts)
        return n_labelled

    def _performance(
        self, subject: str, group: str, report: ClassificationReport | RegressionReport
    ) -> None:
        base = self.fit.baseline
        thresholds = self.fit.cbpe.thresholds if self.fit.cbpe is not None else {}
        for name, m in report.metrics.items():
            lo, _hi = thresholds.get(name, (None, None))
            # A window below the reference's normal range alerts; a segment, smaller and
            # noisier, alerts only when its whole interval is below that range.
            judged = m.value if subject == "*" else m.upper
            bad = judged is not None and lo is not None and not math.isnan(judged) and judged < lo
            detail: dict[str, Any] = {}
            if base is not None and name in base.metrics:
                detail["reference"] = _num(base.metrics[name].value)
            self._row(
                "performance",
                subject,
                name,
                m.value,
                group=group,
                lower=_num(m.lower),
                upper=_num(m.upper),
                threshold=lo,
                verdict="alert" if bad else "ok",
                rows=report.n,
                detail=detail,
            )
        if isinstance(report, ClassificationReport):
            self._row(
                "performance",
                subject,
                "confusion",
                None,
                group=group,
                rows=report.n,
                detail={"matrix": report.confusion, "classes": list(report.classes)},
            )

    def _segments(
        self,
        t: pa.Table,
        y: npt.NDArray[Any],
        pred: npt.NDArray[Any] | None,
        scores: npt.NDArray[np.float64] | None,
    ) -> None:
        spec = self.spec
        for column in spec.segments:
            if column not in t.column_names:
                continue
            values = np.asarray(
                t.column(column)
                .cast(pa.string())
                .fill_null("(missing)")
                .to_numpy(zero_copy_only=False),
                dtype=object,
            )
            if spec.task == "regression":
                by = performance_by_segment(
                    values, y, scores_of(spec, t), task="regression", min_rows=spec.min_rows
                )
            else:
                assert pred is not None
                by = performance_by_segment(
                    values, y, pred, scores, task="binary", min_rows=spec.min_rows
                )
            for value, report in by.items():
                if report is None:
                    self._row(
                        "performance",
                        column,
                        PRIMARY[spec.task],
                        None,
                        group=str(value),
                        verdict="insufficient_data",
                        detail={
                            "message": f"fewer than {spec.min_rows} labelled rows in "
                            f"{column}={value}"
                        },
                    )
                else:
                    self._performance(column, str(value), report)

    def _fairness(self, t: pa.Table, y: npt.NDArray[np.int8], pred: npt.NDArray[np.int8]) -> None:
        for attribute in self.spec.sensitive:
            if attribute not in t.column_names:
                continue
            groups = np.asarray(
                t.column(attribute)
                .cast(pa.string())
                .fill_null("(missing)")
                .to_numpy(zero_copy_only=False),
                dtype=object,
            )
            report = fairness_report(
                group_confusion(attribute, groups, y, pred),
                min_rows=max(self.spec.min_rows, FAIRNESS_MIN_GROUP),
                n_boot=FAIRNESS_BOOT,
            )
            reference = self.fit.fairness.get(attribute, {})
            for group in report.groups:
                for metric in ("selection_rate", "tpr", "fpr", "fnr"):
                    values = getattr(report, metric)
                    if group in values:
                        self._row(
                            "fairness",
                            attribute,
                            metric,
                            values[group],
                            group=group,
                            rows=int(report.n.get(group, 0)),
                        )
            for metric in DISPARITIES:
                value = getattr(report, metric)
                verdict: str = report.verdicts.get(metric, "ok")
                base = reference.get(metric)
                if verdict == "issue" and not _worse_than(metric, value, base):
                    # Past the limit, but within noise of it or no worse than the
                    # reference: a standing gap, shown in the detail, not a regression.
                    verdict = "standing"
                self._row(
                    "fairness",
                    attribute,
                    metric,
                    value.value,
                    lower=_num(value.lower),
                    upper=_num(value.upper),
                    threshold=FAIRNESS_LIMITS.get(metric),
                    verdict={
                        "issue": "alert",
                        "insufficient data": "insufficient_data",
                        "standing": "standing",
                    }.get(verdict, "ok"),
                    rows=int(sum(report.n.values())),
                    detail={
                        "reference": base,
                        "standing_gap": verdict == "standing",
                        "insufficient_groups": list(report.insufficient),
                        "messages": list(report.messages),
                    },
                )
            self.out.messages.extend(report.issues)

    def _concept(
        self, report: ClassificationReport | RegressionReport, drifts: Sequence[DriftResult]
    ) -> None:
        """A drop in realised performance while no input drifted is concept drift."""
        spec = self.spec
        name = PRIMARY[spec.task] if PRIMARY[spec.task] in report.metrics else "accuracy"
        realised = report.metrics.get(name)
        if realised is None or realised.value is None or math.isnan(realised.value):
            return
        drifted = [d.column for d in drifts if d.verdict == "drift"]
        estimate = None
        thresholds = self.fit.cbpe.thresholds if self.fit.cbpe is not None else {}
        lo, _hi = thresholds.get(name, (None, None))
        base = self.fit.baseline.metrics.get(name) if self.fit.baseline is not None else None
        for r in self.out.results:
            if r.kind == "estimated" and r.metric == name:
                estimate = r
        if spec.task == "regression":
            dropped = (
                base is not None and realised.lower > base.value * 1.1
                if realised.lower is not None
                else False
            )
        else:
            dropped = lo is not None and realised.value < lo
        below_estimate = (
            estimate is not None
            and estimate.lower is not None
            and realised.upper is not None
            and realised.upper < estimate.lower
        )
        concept = bool(dropped or below_estimate) and not drifted
        self._row(
            "concept",
            "*",
            name,
            realised.value,
            threshold=lo,
            verdict="alert" if concept else "ok",
            rows=report.n,
            detail={
                "reference": base.value if base is not None else None,
                "estimated": estimate.value if estimate is not None else None,
                "drifted_features": drifted,
                "explanation": (
                    f"realised {name} fell while no input drifted: the relation between inputs "
                    "and outcome changed"
                    if concept
                    else (
                        f"realised {name} fell, but {len(drifted)} input(s) drifted, "
                        "which may explain it"
                        if (dropped or below_estimate)
                        else f"realised {name} is within the reference's range"
                    )
                ),
            },
        )


def _worse_than(metric: str, value: Any, reference: float | None) -> bool:
    """Whether a disparity past its limit is a regression: its whole bootstrap interval
    lies beyond both the limit and the reference's value, so neither noise nor a gap the
    model always had raises an alert."""
    limit = FAIRNESS_LIMITS[metric]
    if reference is not None and not math.isnan(reference):
        limit = (
            min(limit, reference) if metric == "demographic_parity_ratio" else max(limit, reference)
        )
    if metric == "demographic_parity_ratio":
        return bool(value.upper is not None and value.upper < limit)
    return bool(value.lower is not None and value.lower > limit)


def _prepare(profile: Any, column: pa.ChunkedArray) -> Any:
    """The window's column against its profile. Text in a numerical column (a batch that
    sent "unknown" among numbers is stored as text, losslessly) is parsed here: numbers
    written as text count as numbers, the rest as type mismatches."""
    if profile_kind(profile) == "numerical" and (
        pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    ):
        text = pd.Series(column.to_pylist(), dtype=object)
        numbers = pd.to_numeric(text, errors="coerce")
        mismatched = int((numbers.isna() & text.notna()).sum())
        current = prepare_current(profile, numbers.to_numpy(dtype=np.float64))
        return dataclasses.replace(current, n_type_mismatch=current.n_type_mismatch + mismatched)  # type: ignore[arg-type]
    return prepare_current(profile, column)


def current_rows(current: Any) -> int:
    return int(getattr(current, "n", 0))


def profile_kind(profile: Any) -> str:
    return "categorical" if hasattr(profile, "categories") else "numerical"


def window_verdict(results: Sequence[MonitorResult]) -> tuple[str, dict[str, int]]:
    issues: Counter[str] = Counter()
    for r in results:
        if r.verdict in ("drift", "alert"):
            issues[r.kind] += 1
    if issues:
        return "alert", dict(issues)
    if results and all(r.verdict == "insufficient_data" for r in results if r.kind == "drift"):
        return "insufficient_data", {}
    return "ok", {}
