"""The demo's data and model lineage: datasets as artifacts, models in the registry.

An education team's semester, in artifacts: the student-information-system export is
logged as ``student_data:v0``; a cleaning run turns it into ``student_data_cleaned`` (v0
drops duplicate rows; v1 adds the schema and data card the data-governance review asked
for); every model variant trains on ``student_data_cleaned:v1`` and logs its model; the
best is registered as ``dropout-risk`` (``champion``, promoted to ``production``); a
spring retrain is promoted, underperforms for one student group, and is rolled back.
"""

from __future__ import annotations

import json
import pickle
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

import headway
from headway.sdk.artifacts.version import ArtifactVersion

CLEANED: str = "student_data_cleaned:v1"
MODEL_NAME = "dropout-risk"
PROTECTED_ROLE = "approver"
DUPLICATE_SHARE = 0.015


def log_datasets(
    df: pd.DataFrame, *, project: str, seed: int, dir: str | None, url: str | None
) -> pd.DataFrame:
    """Log the raw export and its two cleaned versions; return the cleaned frame."""
    work = Path(tempfile.mkdtemp(prefix="headway-demo-"))
    # The export carries what real exports carry: rows duplicated by a re-sync.
    duplicates = df.sample(frac=DUPLICATE_SHARE, random_state=seed)
    raw = pd.concat([df, duplicates]).sample(frac=1.0, random_state=seed)
    (work / "raw").mkdir()
    raw.to_csv(work / "raw" / "students.csv", index=False)
    with headway.init(
        project=project,
        name="ingest-sis-export",
        job_type="ingest",
        group="data",
        config={"source": "student information system (synthetic)", "seed": seed},
        dir=dir,
        url=url,
    ) as run:
        art = headway.Artifact(
            "student_data",
            "dataset",
            description="Student information system export, fall 2026 (synthetic).",
            metadata={"rows": len(raw), "columns": list(raw.columns), "format": "csv"},
        )
        art.add_dir(work / "raw")
        run.log_artifact(art, aliases=["fall-2026"])

    cleaned = raw.drop_duplicates().sort_values("student_id").reset_index(drop=True)
    (work / "clean").mkdir()
    cleaned.to_parquet(work / "clean" / "students.parquet", index=False)
    with headway.init(
        project=project,
        name="clean-dedupe",
        job_type="clean",
        group="data",
        config={"steps": ["drop exact duplicates"]},
        dir=dir,
        url=url,
    ) as run:
        run.use_artifact("student_data:fall-2026")
        first = headway.Artifact(
            "student_data_cleaned",
            "dataset",
            description="Exact duplicate rows removed.",
            metadata={"rows": len(cleaned), "removed_duplicates": len(raw) - len(cleaned)},
        )
        first.add_dir(work / "clean")
        run.log_artifact(first)
    schema = {c: str(t) for c, t in cleaned.dtypes.items()}
    (work / "clean" / "schema.json").write_text(json.dumps(schema, indent=2))
    (work / "clean" / "DATA_CARD.md").write_text(
        "# Student data (cleaned)\n\nOne row per student and semester. `dropped_out` is the "
        "label; `first_language` and `disability` are kept only to audit fairness.\n"
    )
    with headway.init(
        project=project,
        name="clean-governance",
        job_type="clean",
        group="data",
        config={"steps": ["drop exact duplicates", "schema", "data card"]},
        notes="The data-governance review asked for a schema and a data card.",
        dir=dir,
        url=url,
    ) as run:
        run.use_artifact("student_data:fall-2026")
        second = headway.Artifact(
            "student_data_cleaned",
            "dataset",
            description="Duplicates removed; schema and data card added.",
            metadata={"rows": len(cleaned), "removed_duplicates": len(raw) - len(cleaned)},
        )
        second.add_dir(work / "clean")
        run.log_artifact(second, aliases=["training"])
    return cleaned


def log_model(
    run: headway.Run,
    artifact_name: str,
    estimator: object,
    *,
    inputs: list[str],
    categorical: list[str],
    sensitive: list[str],
    features: list[str],
    threshold: float,
    metrics: Mapping[str, float],
) -> ArtifactVersion | None:
    """Log ``estimator`` (it scores a frame of the ``inputs`` columns) as ``model.pkl``,
    with ``model.json`` saying what it reads and where it flags a student.

    ``features`` are the encoded columns the classifier sees; ``sensitive`` the attributes
    it was audited on without reading them, which a monitor of it checks too.
    """
    art = headway.Artifact(
        artifact_name,
        "model",
        description=f"{run.name}: flags a student when p(dropout) >= {threshold:.3f}.",
        metadata={
            "threshold": threshold,
            **{k: v for k, v in metrics.items() if k.startswith(("test/", "fairness/"))},
        },
    )
    with art.new_file("model.pkl", "wb") as f:
        pickle.dump(estimator, f)
    with art.new_file("model.json") as f:
        json.dump(
            {
                "inputs": inputs,
                "categorical": categorical,
                "sensitive": sensitive,
                "features": features,
                "threshold": threshold,
            },
            f,
            indent=2,
        )
    return run.log_artifact(art)


def model_card(best: str, metrics: Mapping[str, float]) -> str:
    gap = metrics.get("fairness/recall_gap/first_language", float("nan"))
    return (
        "# Dropout risk\n\n"
        "Flags students likely to drop out this semester so advisors can reach out early.\n\n"
        f"- **Model:** {best}, trained on `{CLEANED}`\n"
        f"- **Test AUC:** {metrics.get('test/auc', float('nan')):.3f}, "
        f"recall {metrics.get('test/recall', float('nan')):.2f}\n"
        f"- **Recall gap by first language:** {gap:.2f}\n\n"
        "## Use\n\nAdvisors review every flag; the model never acts on a student alone.\n"
    )


def register(
    project: str,
    versions: Mapping[str, tuple[ArtifactVersion, dict[str, float]]],
    *,
    retrain: tuple[ArtifactVersion, dict[str, float]] | None,
    dir: str | None,
    url: str | None,
) -> None:
    """Champion to production, then a retrain promoted and rolled back."""
    registry = headway.Api(url=url, dir=dir).registry
    best = max(versions, key=lambda name: versions[name][1].get("test/auc", 0.0))
    version, metrics = versions[best]
    registry.create_model(MODEL_NAME, description=model_card(best, metrics), exist_ok=True)
    champion = registry.link(
        MODEL_NAME,
        project=project,
        artifact=version.name,
        selector=version.version,
        aliases=["champion"],
    )
    registry.protect(MODEL_NAME, "production", PROTECTED_ROLE)
    registry.set_alias(MODEL_NAME, "production", champion.version, role=PROTECTED_ROLE)
    if retrain is None:
        return
    spring, _ = retrain
    challenger = registry.link(
        MODEL_NAME,
        project=project,
        artifact=spring.name,
        selector=spring.version,
        aliases=["challenger"],
        description="Spring retrain with stronger regularisation.",
    )
    registry.set_alias(MODEL_NAME, "production", challenger.version, role=PROTECTED_ROLE)
    registry.update_version(
        MODEL_NAME,
        challenger.version,
        set_tags={"incident": "recall for non-native speakers dropped after promotion"},
    )
    registry.rollback(MODEL_NAME, "production", role=PROTECTED_ROLE)
