"""Per-column verdicts of Evidently's DataDriftPreset on the same synthetic data (100k vs 100k by default),
to compare with drift_pass.py's evidently-style verdicts.

Usage: /tmp/monspeed-evidently-venv/bin/python research/monitoring/speed/evidently_verdicts.py [n]
(venv: python3 -m venv /tmp/monspeed-evidently-venv && pip install "evidently>=0.7,<0.8" "pandas<3")
"""
import json
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import CAT_COLS, NUM_COLS, make_frame  # noqa: E402

import evidently  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
ref = make_frame(n, seed=1, as_category=False)
cur = make_frame(n, seed=2, shift=True, as_category=False)
dd = DataDefinition(numerical_columns=NUM_COLS, categorical_columns=CAT_COLS)
t0 = time.perf_counter()
snap = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=dd),
                                       Dataset.from_pandas(ref, data_definition=dd))
print(f"evidently {evidently.__version__} DataDriftPreset {n:,} x 30: {time.perf_counter() - t0:.1f} s")
d = snap.dict()
drifted = []
for m in d["metrics"]:
    name = m.get("metric_name", "")
    if name.startswith("ValueDrift"):
        col = m["config"]["column"]
        method = m["config"].get("method")
        thr = m["config"].get("threshold")
        val = m["value"]
        if val >= thr:
            drifted.append(col)
        print(f"  {col:24s} {str(method):32s} {val:.6g} (threshold {thr})")
print("drifted:", sorted(drifted))
