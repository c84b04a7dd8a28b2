"""Content-digest throughput: hashlib's SHA-256, SHA-1, BLAKE2b, MD5 against BLAKE3.

    .venv/bin/python benchmarks/digests.py [--mib 256] [--repeats 3] [--json PATH]

Hashes the same random bytes two ways: an in-memory buffer (pure hashing speed) and a
file (how Headway hashes artifacts: read in 4 MiB chunks, or memory-mapped for BLAKE3
with threads, which is what ``headway.store.blobstore.digest.digest_file`` does for files
of 16 MiB and more). The file was just written, so it is read from the page cache: this
measures hashing, not the disk. hashlib is single-threaded; BLAKE3 is measured on one
thread and with ``max_threads=blake3.AUTO``. Each number is the median of ``--repeats``;
MB = 10^6 bytes. ``blake3 ÷`` columns say how many times faster BLAKE3 is than that row.
Results also go to ``benchmarks/.work/digests-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import ssl
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import blake3

BENCH_DIR = Path(__file__).resolve().parent
WORK_ROOT = BENCH_DIR / ".work"
CHUNK = 4 * 1024 * 1024  # as digest_file reads small files
HASHLIB = ["sha256", "sha1", "blake2b", "md5"]
B3_1T = "blake3 (1 thread)"
B3_MT = "blake3 (threads)"


def _hashlib_file(name: str, path: Path) -> str:
    h = hashlib.new(name)
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def _blake3_file_1t(path: Path) -> str:
    h = blake3.blake3()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return str(h.hexdigest())


def _blake3_file_mt(path: Path) -> str:
    h = blake3.blake3(max_threads=blake3.blake3.AUTO)
    h.update_mmap(str(path))
    return str(h.hexdigest())


def _headway_digest_file() -> Callable[[Path], str] | None:
    try:
        from headway.store.blobstore.digest import digest_file
    except ImportError:
        return None

    def run(path: Path) -> str:
        return digest_file(path)[0]

    return run


def _median_seconds(fn: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    fn()  # warm-up: page faults, thread pool, lazy imports
    times: list[float] = []
    for _ in range(repeats):
        a = time.perf_counter()
        fn()
        times.append(time.perf_counter() - a)
    return statistics.median(times), times


def measure(mib: int, repeats: int, scratch: Path) -> dict[str, Any]:
    size = mib * 2**20
    data = os.urandom(size)
    path = scratch / "data.bin"
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())

    buffer_fns: dict[str, Callable[[], object]] = {
        B3_MT: lambda: blake3.blake3(data, max_threads=blake3.blake3.AUTO).digest(),
        B3_1T: lambda: blake3.blake3(data).digest(),
    }
    file_fns: dict[str, Callable[[], object]] = {
        B3_MT: lambda: _blake3_file_mt(path),
        B3_1T: lambda: _blake3_file_1t(path),
    }
    for name in HASHLIB:
        buffer_fns[name] = lambda name=name: hashlib.new(name, data).digest()
        file_fns[name] = lambda name=name: _hashlib_file(name, path)
    headway_fn = _headway_digest_file()
    if headway_fn is not None:
        file_fns["headway digest_file"] = lambda: headway_fn(path)

    # All file paths must agree with the buffer: a wrong digest would be a fast lie.
    expected = {n: hashlib.new(n, data).hexdigest() for n in HASHLIB}
    expected_b3 = blake3.blake3(data).hexdigest()
    for name in HASHLIB:
        assert _hashlib_file(name, path) == expected[name], name
    assert _blake3_file_1t(path) == expected_b3
    assert _blake3_file_mt(path) == expected_b3
    if headway_fn is not None:
        assert headway_fn(path) == expected_b3

    rows: dict[str, dict[str, Any]] = {}
    for kind, fns in (("buffer", buffer_fns), ("file", file_fns)):
        for name, fn in fns.items():
            print(f"[digests] {kind}: {name} ...", file=sys.stderr, flush=True)
            median_s, runs = _median_seconds(fn, repeats)
            row = rows.setdefault(name, {})
            row[f"{kind}_s"] = round(median_s, 5)
            row[f"{kind}_runs_s"] = [round(t, 5) for t in runs]
            row[f"{kind}_mbps"] = round(size / 1e6 / median_s, 1)
    for row in rows.values():
        for kind in ("buffer", "file"):
            mbps = row.get(f"{kind}_mbps")
            for ref, key in ((B3_1T, "vs_blake3_1t"), (B3_MT, "vs_blake3_mt")):
                ref_mbps = rows[ref].get(f"{kind}_mbps")
                row[f"{kind}_{key}"] = round(ref_mbps / mbps, 2) if mbps and ref_mbps else None
    return {"bytes": size, "repeats": repeats, "rows": rows}


def _cpu() -> dict[str, Any]:
    model, flags = None, ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model is None:
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1]
    wanted = ("sha_ni", "avx2", "avx512f", "avx512vl")
    return {
        "cpus": os.cpu_count(),
        "model": model,
        "flags": [f for f in wanted if f in flags.split()],
    }


def render(result: dict[str, Any]) -> str:
    def num(v: Any, digits: int = 0) -> str:
        if v is None:
            return "n/a"
        return f"{v:,.{digits}f}"

    header = [
        "digest",
        "buffer MB/s",
        "blake3 1t ÷",
        "blake3 mt ÷",
        "file MB/s",
        "blake3 1t ÷",
        "blake3 mt ÷",
    ]
    body = []
    for name, row in result["rows"].items():
        body.append(
            [
                name,
                num(row.get("buffer_mbps")),
                num(row.get("buffer_vs_blake3_1t"), 2),
                num(row.get("buffer_vs_blake3_mt"), 2),
                num(row.get("file_mbps")),
                num(row.get("file_vs_blake3_1t"), 2),
                num(row.get("file_vs_blake3_mt"), 2),
            ]
        )
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    for r in body:
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--mib", type=int, default=256, help="MiB of random bytes (default 256)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per digest (median)")
    p.add_argument("--json", type=Path, default=None, help="where to write the results")
    args = p.parse_args(argv)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    WORK_ROOT.mkdir(parents=True, exist_ok=True)
    scratch = WORK_ROOT / f"digests-{stamp}-{os.getpid()}"
    scratch.mkdir()
    try:
        result = measure(args.mib, args.repeats, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    doc = {
        "started_at": stamp,
        "machine": {
            **_cpu(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "openssl": ssl.OPENSSL_VERSION,
            "blake3": getattr(blake3, "__version__", None),
        },
        **result,
    }
    out = args.json or WORK_ROOT / f"digests-{stamp}.json"
    out.write_text(json.dumps(doc, indent=2))
    m = doc["machine"]
    print(
        f"{args.mib} MiB of random bytes, median of {args.repeats}; "
        f"{m['cpus']} CPUs ({m['model']}; {', '.join(m['flags']) or 'no sha_ni/avx flags'}); "
        f"{m['openssl']}; blake3 {m['blake3']}"
    )
    print("file = read from the page cache (4 MiB chunks; BLAKE3 threads: mmap)")
    print(render(result))
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
