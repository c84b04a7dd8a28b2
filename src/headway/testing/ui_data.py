"""Generated projects that exercise the web UI at scale.

* :func:`fill_sweep_project` — many finished runs (10,000 by default) of a tuning study,
  each with a config, a summary and a short learning curve: the runs table, grouping and
  compare at scale.
* :func:`fill_long_run` — one run with a 1,000,000-step series holding a single-step
  spike, system metrics and console output: exact charts and the run page.

Both write through a backend's public ``log_batch``, exactly as the SDK does, so what
the UI shows is what real runs store. The browser tests and ``make bench`` use them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from headway.backend.base import BaseBackend as Backend
from headway.entities import ConsoleLine, LogBatch, RunCreate, RunFinish, RunState, Series

OPTIMIZERS = ("adam", "sgd", "adamw")
MODELS = ("gru", "lstm", "transformer")
CURVE_EPOCHS = 10


def _series(key: str, steps: np.ndarray, values: np.ndarray, t0: float, dt: float) -> Series:
    steps = steps.astype(np.int64)
    return Series(key, steps, t0 + steps.astype(np.float64) * dt, values.astype(np.float64))


def fill_sweep_project(
    backend: Backend, project: str = "kt-sweep", runs: int = 10_000, seed: int = 3
) -> list[str]:
    """Knowledge-tracing tuning runs; returns their ids in creation order.

    ``val/auc`` rises with the hidden size and falls away from a learning rate of 3e-3,
    so sorting, grouping and parameter importance have a real signal to find.
    """
    rng = np.random.default_rng(seed)
    ids = []
    t0 = time.time() - runs * 60.0
    for i in range(runs):
        lr = float(10 ** rng.uniform(-4, -1.5))
        hidden = int(rng.choice([32, 64, 128, 256]))
        optimizer = OPTIMIZERS[i % 3]
        model = MODELS[int(rng.integers(0, 3))]
        quality = 0.62 + 0.04 * math.log2(hidden / 32) - 0.05 * abs(math.log10(lr / 3e-3))
        auc = float(np.clip(quality + rng.normal(0, 0.01), 0.5, 0.99))
        epochs = np.arange(CURVE_EPOCHS)
        curve = auc - (auc - 0.5) * np.exp(-epochs / 3.0)
        loss = 1.0 - curve + rng.normal(0, 0.005, CURVE_EPOCHS)
        start = t0 + i * 60.0
        run_id = f"sw{i:06d}"
        batch = LogBatch(
            seq=0,
            create=RunCreate(
                project=project,
                id=run_id,
                name=f"{model}-h{hidden}-{i}",
                config={
                    "lr": lr,
                    "hidden_size": hidden,
                    "optimizer": optimizer,
                    "model": {"cell": model, "dropout": round(float(rng.uniform(0, 0.5)), 2)},
                    "forgetting": round(float(rng.uniform(0.5, 1.0)), 3),
                },
                tags=("sweep", model),
                group=f"{model}",
                job_type="tune",
                created_at=datetime.fromtimestamp(start, UTC),
            ),
            metrics={
                "val/auc": _series("val/auc", epochs, curve, start, 5.0),
                "train/loss": _series("train/loss", epochs, loss, start, 5.0),
            },
            summary={"val/auc": auc, "val/loss": float(loss[-1])},
            time=start + CURVE_EPOCHS * 5.0,
            finish=RunFinish(state=RunState.FINISHED if i % 50 else RunState.FAILED),
        )
        backend.log_batch(run_id, batch)
        ids.append(run_id)
    return ids


@dataclass(frozen=True)
class LongRun:
    run_id: str
    steps: int
    spike_step: int
    spike_value: float


def fill_long_run(
    backend: Backend,
    project: str = "long-series",
    steps: int = 1_000_000,
    spike_step: int = 777_777,
    console_lines: int = 3_000,
) -> LongRun:
    """One finished run: ``train/loss`` over ``steps`` steps, smooth but for one spike."""
    run_id = "longrun1"
    t0 = time.time() - steps * 0.01
    all_steps = np.arange(steps, dtype=np.int64)
    loss = 2.0 * np.exp(-all_steps / (steps / 4)) + 0.1 + 0.01 * np.sin(all_steps / 500.0)
    spike_value = 25.0
    loss[spike_step] = spike_value
    create = RunCreate(
        project=project,
        id=run_id,
        name="kt-transformer-long",
        config={"model": {"cell": "transformer", "layers": 4}, "lr": 0.001, "steps": steps},
        tags=("long",),
        metadata={"hostname": "trainer-01", "argv": ["train.py", "--steps", str(steps)]},
        created_at=datetime.fromtimestamp(t0, UTC),
    )
    chunk = 200_000
    seq = 0
    for lo in range(0, steps, chunk):
        part = all_steps[lo : lo + chunk]
        batch = LogBatch(
            seq=seq,
            create=create if seq == 0 else None,
            metrics={"train/loss": _series("train/loss", part, loss[lo : lo + chunk], t0, 0.01)},
            time=t0 + float(part[-1]) * 0.01,
        )
        backend.log_batch(run_id, batch)
        seq += 1
    samples = np.arange(0, steps, steps // 200, dtype=np.int64)
    cpu = 60 + 20 * np.sin(samples / (steps / 10))
    memory = 30 + 10 * samples / steps
    console = [
        ConsoleLine(
            t0 + i * steps * 0.01 / console_lines,
            "stderr" if i % 500 == 499 else "stdout",
            f"step {i * steps // console_lines}: loss {loss[i * steps // console_lines]:.4f}"
            if i % 500 != 499
            else f"warning: gradient norm clipped at step {i * steps // console_lines}",
        )
        for i in range(console_lines)
    ]
    backend.log_batch(
        run_id,
        LogBatch(
            seq=seq,
            metrics={
                "system/cpu_percent": _series("system/cpu_percent", samples, cpu, t0, 0.01),
                "system/memory_percent": _series(
                    "system/memory_percent", samples, memory, t0, 0.01
                ),
            },
            console=console,
            files={
                "code/train.py": b"import headway\n\nrun = headway.init(project='long-series')\n"
            },
            summary={"final_loss": float(loss[-1])},
            time=t0 + steps * 0.01,
            finish=RunFinish(state=RunState.FINISHED),
        ),
    )
    return LongRun(run_id, steps, spike_step, spike_value)
