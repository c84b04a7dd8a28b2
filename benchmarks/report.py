"""Tables of results: absolute numbers and how many times faster Headway is.

The ratio next to a number is ``peer / headway`` for lower-is-better metrics (times,
memory) and ``headway / peer`` for higher-is-better ones (throughput): in both cases
``10x`` means Headway is ten times better, ``0.5x`` that it is twice worse. Each row is
compared with the Headway row of the same mode (embedded vs server).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    lower_is_better: bool = True
    ratio: bool = True
    digits: int = 3
    # Key of a boolean in the result: when it is true the value is an extrapolation.
    extrapolated_flag: str | None = None


COLUMNS: dict[str, list[Column]] = {
    "w1": [
        Column("steps", "steps", ratio=False),
        Column("log_median_us", "log median µs"),
        Column("log_p99_us", "log p99 µs"),
        Column("finish_s", "end→durable s"),
        Column("total_s_full", "total s", extrapolated_flag="extrapolated"),
        Column("peak_rss_mb", "peak RSS MB", digits=1),
        Column("children_peak_rss_mb", "helper RSS MB", ratio=False, digits=1),
    ],
    "w2": [
        Column("runs", "runs", ratio=False),
        Column("ingest_s_full", "ingest s", extrapolated_flag="extrapolated"),
        Column("per_run_ms", "per run ms"),
        Column("search_median_ms", "search median ms"),
        Column("search_first_ms", "search 1st ms", ratio=False),
        Column("search_correct", "correct", ratio=False),
    ],
    "w3": [
        Column("points", "points", ratio=False),
        Column("ingest_s_full", "ingest→durable s", extrapolated_flag="extrapolated"),
        Column("ingest_points_per_s", "ingest pts/s", lower_is_better=False, digits=0),
        # Headway log_series, MLflow log_batch; W&B and Aim have no whole-series API.
        Column("bulk_ingest_s", "bulk API→durable s", extrapolated_flag="extrapolated"),
        Column("read_median_s", "read s"),
        Column("envelope_median_s", "envelope s"),
        Column("read_correct", "read ok", ratio=False),
        Column("envelope_correct", "env ok", ratio=False),
    ],
    "server": [
        Column("clients", "clients", ratio=False),
        Column("points", "points", ratio=False),
        Column("points_per_s", "aggregate pts/s", lower_is_better=False, digits=0),
        # Client-side request times include the client GIL; no ratio across tools.
        Column("p99_latency_us", "client batch p99 µs", ratio=False),
        Column("server_batch_p99_ms", "server batch p99 ms", ratio=False),
        Column("server_peak_rss_mb", "server RSS MB", digits=1),
    ],
    "artifacts": [
        Column("size_mib", "MiB", ratio=False),
        Column("first_log_s", "1st log s"),
        Column("first_sync_s", "+sync s", ratio=False),
        Column("first_bytes", "1st stored B"),
        Column("second_log_s", "2nd log s"),
        Column("second_vs_hash", "2nd÷hash", ratio=False, digits=2),
        Column("second_bytes", "2nd extra B"),
        Column("second_content_bytes", "of which files B", ratio=False),
        Column("upload_mbps", "upload MB/s", lower_is_better=False, digits=0),
        Column("download_mbps", "download MB/s", lower_is_better=False, digits=0),
        Column("download_ok", "dl ok", ratio=False),
    ],
}

# The artifacts rows again, against the disk's own throughput (dd) in the same run.
ARTIFACTS_DISK_COLUMNS = [
    Column("upload_mbps", "upload MB/s", ratio=False, digits=0),
    Column("upload_vs_dd_write", "÷ dd write", ratio=False, digits=2),
    Column("synced_upload_mbps", "upload+sync MB/s", ratio=False, digits=0),
    Column("synced_upload_vs_dd_copy", "÷ dd copy", ratio=False, digits=2),
    Column("download_mbps", "download MB/s", ratio=False, digits=0),
    Column("download_vs_dd_read", "÷ dd read", ratio=False, digits=2),
]


def fmt_number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if digits == 0 or abs(value) >= 10_000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:,.1f}"
        return (
            f"{value:.{digits}g}"
            if abs(value) < 1
            else f"{value:.{digits}f}".rstrip("0").rstrip(".")
        )
    return str(value)


def ratio(value: Any, reference: Any, lower_is_better: bool) -> float | None:
    """How many times better Headway (``reference``) is than ``value``."""
    if not isinstance(value, int | float) or not isinstance(reference, int | float):
        return None
    if isinstance(value, bool) or isinstance(reference, bool):
        return None
    if value <= 0 or reference <= 0 or math.isnan(value) or math.isnan(reference):
        return None
    return value / reference if lower_is_better else reference / value


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return ""
    if r >= 100:
        return f"{r:,.0f}x"
    if r >= 10:
        return f"{r:.1f}x"
    if r >= 0.1:
        return f"{r:.2f}x"
    return f"{r:.2g}x"


def _reference_row(rows: list[dict[str, Any]], row: dict[str, Any]) -> dict[str, Any] | None:
    """The Headway row this row is compared with: same mode, same size."""
    mode = "server" if row.get("variant") == "server" else "local"
    for cand in rows:
        if (
            cand.get("tool") == "headway"
            and cand.get("ok")
            and ("server" if cand.get("variant") == "server" else "local") == mode
            and cand.get("size") == row.get("size")
        ):
            return cand
    return None


def render_table(
    workload: str,
    rows: list[dict[str, Any]],
    columns: list[Column] | None = None,
    *,
    with_notes: bool = True,
) -> str:
    """One text table for a workload's rows (each row: tool, label, ok, result...)."""
    if columns is None:
        columns = COLUMNS[workload.split("-")[0]]
    header = ["tool", *[col.title for col in columns]]
    body: list[list[str]] = []
    notes: list[str] = []
    for row in rows:
        label = str(row["label"])
        if not row.get("ok"):
            body.append([label, *["—" for _ in columns]])
            notes.append(f"{label}: FAILED — {row.get('error', 'unknown error')}")
            continue
        res: dict[str, Any] = row["result"]
        ref = _reference_row(rows, row)
        ref_res: dict[str, Any] = ref["result"] if ref is not None else {}
        cells = [label]
        for col in columns:
            value = res.get(col.key)
            text = fmt_number(value, col.digits)
            if col.extrapolated_flag and res.get(col.extrapolated_flag):
                text += "*"
            # Extra Headway rows (another mode of the same tool) are shown without ratio.
            extra = row["tool"] != "headway" and str(row["tool"]).startswith("headway")
            if col.ratio and ref is not None and ref is not row and not extra:
                r = ratio(value, ref_res.get(col.key), col.lower_is_better)
                if r is not None:
                    text += f" ({fmt_ratio(r)})"
            cells.append(text)
        body.append(cells)
        for note_key in ("note", "search_label", "envelope_label"):
            note = res.get(note_key)
            if note and note != "n/a" and (note_key == "note" or row["tool"] != "headway"):
                notes.append(f"{label}: {note}")
        if res.get("extrapolated"):
            if workload == "server":
                notes.append(f"{label}: rate measured over {_measured(res)} (time budget)")
            else:
                notes.append(f"{label}: * extrapolated from {_measured(res)} measured")
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    if notes and with_notes:
        lines.append("")
        lines += [f"  - {n}" for n in dict.fromkeys(notes)]
    return "\n".join(lines)


def _measured(res: dict[str, Any]) -> str:
    for got, want, unit in (
        ("steps_measured", "steps_target", "steps"),
        ("runs_measured", "runs_target", "runs"),
        ("points_measured", "points_target", "points"),
    ):
        if got in res:
            return f"{res[got]:,} of {res.get(want, 0):,} {unit}"
    return "a subset"
