"""Batch and column encodings: round trips, non-finite floats, and bad payloads."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

import numpy as np
import orjson
import pytest

from headway.backend import codec
from headway.entities import ConsoleLine, Envelope, LogBatch, Series
from headway.errors import InvalidArgument

SPECIAL = [0.5, math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324]


def make_series(key: str, values: list[float], first_step: int = 0) -> Series:
    n = len(values)
    return Series(
        key,
        np.arange(first_step, first_step + n, dtype=np.int64),
        np.linspace(1.7e9, 1.7e9 + n, n),
        np.asarray(values, dtype=np.float64),
    )


def full_batch() -> LogBatch:
    return LogBatch(
        seq=41,
        metrics={
            "loss": make_series("loss", SPECIAL),
            "val/acc ünï": make_series("val/acc ünï", [0.25, 0.5], first_step=2**62 - 5),
            "empty": make_series("empty", []),
        },
        summary={"best": math.nan, "peak": math.inf, "note": "ok", "nested": {"x": [1, None]}},
        config={"optimizer": {"lr": 0.01, "name": "adam"}, "layers": [64, 32]},
        console=[ConsoleLine(1.5, "stdout", "epoch 1\n"), ConsoleLine(2.0, "stderr", "warn ⚠")],
        time=1.7e9,
    )


def assert_same_batch(got: LogBatch, want: LogBatch) -> None:
    assert (got.seq, got.time, list(got.console)) == (want.seq, want.time, list(want.console))
    assert dict(got.config) == dict(want.config)
    assert set(got.summary) == set(want.summary)
    assert math.isnan(got.summary["best"]) and got.summary["peak"] == math.inf
    assert got.summary["note"] == "ok" and got.summary["nested"] == {"x": [1, None]}
    assert list(got.metrics) == list(want.metrics)
    for key, series in want.metrics.items():
        other = got.metrics[key]
        assert other.key == key
        assert other.steps.dtype == np.int64 and other.values.dtype == np.float64
        np.testing.assert_array_equal(other.steps, series.steps)
        np.testing.assert_array_equal(other.times, series.times)
        # assert_array_equal treats NaN == NaN; the bytes check catches -0.0 vs 0.0.
        np.testing.assert_array_equal(other.values, series.values)
        assert other.values.tobytes() == series.values.tobytes()


@pytest.mark.parametrize(
    ("encode", "decode"),
    [(codec.encode_batch, codec.decode_batch), (codec.encode_batch_json, codec.decode_batch_json)],
    ids=["binary", "json"],
)
def test_batch_round_trip(
    encode: Callable[[LogBatch], bytes], decode: Callable[[bytes], LogBatch]
) -> None:
    batch = full_batch()
    assert_same_batch(decode(encode(batch)), batch)


def test_decode_by_content_type() -> None:
    batch = full_batch()
    binary = codec.decode_batch_body(codec.encode_batch(batch), "application/x-headway-batch")
    text = codec.decode_batch_body(
        codec.encode_batch_json(batch), "application/json; charset=utf-8"
    )
    assert_same_batch(binary, batch)
    assert_same_batch(text, batch)
    with pytest.raises(InvalidArgument, match="Content-Type"):
        codec.decode_batch_body(b"{}", "text/plain")


def test_decoded_arrays_are_writable_copies() -> None:
    decoded = codec.decode_batch(codec.encode_batch(full_batch()))
    values = decoded.metrics["loss"].values
    assert values.flags.writeable and values.flags.aligned and values.flags.owndata


def test_json_batch_uses_strings_for_non_finite_values() -> None:
    body = orjson.loads(codec.encode_batch_json(full_batch()))
    assert body["metrics"]["loss"]["values"][1:4] == ["NaN", "Infinity", "-Infinity"]
    assert body["summary"]["best"] == "NaN"
    assert body["console"][0] == [1.5, "stdout", "epoch 1\n"]


def test_config_with_nan_is_refused_when_encoding() -> None:
    batch = LogBatch(seq=0, config={"opt": {"lr": math.nan}})
    with pytest.raises(InvalidArgument, match=r"config\.opt\.lr"):
        codec.encode_batch(batch)


def test_large_binary_batch() -> None:
    n = 250_000
    batch = LogBatch(
        seq=0, metrics={"x": make_series("x", list(np.random.default_rng(1).random(n)))}
    )
    data = codec.encode_batch(batch)
    assert len(data) < n * 24 + 200
    assert len(codec.decode_batch(data).metrics["x"]) == n


def test_series_and_envelope_columns_round_trip() -> None:
    series = make_series("loss", SPECIAL)
    wire = codec.series_to_wire(series)
    assert wire["values"][1:4] == ["NaN", "Infinity", "-Infinity"]
    assert orjson.loads(codec.series_json(series)) == wire
    back = codec.series_from_wire("loss", orjson.loads(orjson.dumps(wire)))
    np.testing.assert_array_equal(back.values, series.values)
    finite = make_series("acc", [0.1, 0.2])
    assert orjson.loads(codec.series_json(finite)) == codec.series_to_wire(finite)

    env = Envelope(
        key="loss",
        edges=np.array([0, 5, 10], dtype=np.int64),
        count=np.array([3, 0], dtype=np.int64),
        min=np.array([0.1, math.nan]),
        max=np.array([math.inf, math.nan]),
        first=np.array([0.2, math.nan]),
        last=np.array([0.3, math.nan]),
        first_step=np.array([0, -1], dtype=np.int64),
        last_step=np.array([4, -1], dtype=np.int64),
    )
    env_back = codec.envelope_from_wire("loss", orjson.loads(codec.envelope_json(env)))
    for name in ("edges", "count", "min", "max", "first", "last", "first_step", "last_step"):
        np.testing.assert_array_equal(getattr(env_back, name), getattr(env, name))


def test_nested_values_round_trip_through_to_wire() -> None:
    value = {"a": [math.nan, {"b": -math.inf}], "c": np.float32(1.5), "d": np.int64(3)}
    wire = codec.to_wire(value)
    assert wire == {"a": ["NaN", {"b": "-Infinity"}], "c": 1.5, "d": 3}
    back = codec.from_wire(orjson.loads(codec.dumps(wire)))
    assert math.isnan(back["a"][0]) and back["a"][1] == {"b": -math.inf}


# -- bad binary payloads ------------------------------------------------------------------


def binary(
    head: dict[str, object] | bytes | None = None,
    keys: list[tuple[bytes, int, bytes]] | None = None,
    *,
    magic: bytes = b"HWBT",
    version: int = 1,
    flags: int = 0,
    count: int | None = None,
    trailer: bytes = b"",
) -> bytes:
    head_bytes = head if isinstance(head, bytes) else orjson.dumps(head or {"seq": 0})
    keys = keys or []
    out = struct.pack("<4sHHI", magic, version, flags, len(head_bytes)) + head_bytes
    out += struct.pack("<I", len(keys) if count is None else count)
    for key, n, payload in keys:
        out += struct.pack("<H", len(key)) + key + struct.pack("<I", n) + payload
    return out + trailer


def points(n: int) -> bytes:
    return (
        np.arange(n, dtype="<i8").tobytes()
        + np.zeros(n, dtype="<f8").tobytes()
        + np.ones(n, dtype="<f8").tobytes()
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "truncated"),
        (b"HWBT\x01\x00", "truncated"),
        (binary(magic=b"PK\x03\x04"), "HWBT"),
        (binary(version=9), "version 9"),
        (binary(flags=1), "flags"),
        (binary(b"{not json"), "not valid JSON"),
        (binary(b"[1, 2]"), "must be a JSON object"),
        (binary({"time": 1.0}), "missing 'seq'"),
        (binary({"seq": -1}), "seq"),
        (binary({"seq": 1.5}), "seq"),
        (binary({"seq": True}), "seq"),
        (binary({"seq": 0, "surprise": 1}), "unknown field"),
        (binary({"seq": 0, "metrics": {}}), "must not contain 'metrics'"),
        (binary({"seq": 0, "time": "now"}), "time"),
        (binary({"seq": 0, "summary": []}), "summary must be a JSON object"),
        (binary({"seq": 0, "console": [[1.0, "stdout"]]}), r"console\[0\]"),
        (binary(count=1), "truncated before the length of metric key #0"),
        (binary(keys=[(b"loss", 10, points(9))]), "declares 10 points"),
        (binary(keys=[(b"\xff\xfe", 1, points(1))]), "not valid UTF-8"),
        (binary(keys=[(b"a", 1, points(1)), (b"a", 1, points(1))]), "appears twice"),
        (binary(keys=[(b"a", 1, points(1))], trailer=b"\x00"), "unexpected bytes"),
        (binary(keys=[(b"a", 2**32 - 1, b"")]), "declares 4294967295 points"),
    ],
)
def test_bad_binary_batches_are_invalid(payload: bytes, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        codec.decode_batch(payload)


# -- bad JSON payloads -----------------------------------------------------------------------


def json_batch(**metric: object) -> bytes:
    return orjson.dumps({"seq": 0, "metrics": {"loss": metric}})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{", "not valid JSON"),
        (b'{"seq": 0, "metrics": {"x": {"steps": [1], "times": [1], "values": [NaN]}}}', "JSON"),
        (b'"batch"', "must be a JSON object"),
        (b'{"metrics": {}}', "missing 'seq'"),
        (b'{"seq": 0, "metrics": []}', "metrics must be a JSON object"),
        (json_batch(steps=[0], times=[1.0]), "missing 'values'"),
        (json_batch(steps=[0, 1], times=[1.0], values=[1.0]), "same length"),
        (json_batch(steps=[0.5], times=[1.0], values=[1.0]), r"steps\[0\] must be an integer"),
        (json_batch(steps=["0"], times=[1.0], values=[1.0]), "must be an integer"),
        (json_batch(steps=[True], times=[1.0], values=[1.0]), "must be an integer"),
        (json_batch(steps=[2**63], times=[1.0], values=[1.0]), "64-bit range"),
        (json_batch(steps=[0], times=[1.0], values=["nan"]), r"values\[0\]"),
        (json_batch(steps=[0], times=[1.0], values=[None]), r"values\[0\]"),
        (json_batch(steps=[0], times=[1.0], values=[[1.0]]), r"values\[0\]"),
        (json_batch(steps=0, times=[1.0], values=[1.0]), "steps must be a list"),
        (json_batch(steps=[0], times=[1.0], values={"0": 1.0}), "values must be a list"),
        (b'{"seq": 0, "console": "hello"}', "console must be a list"),
        (b'{"seq": 0, "console": [[1, "stdout", 5]]}', r"console\[0\]"),
    ],
)
def test_bad_json_batches_are_invalid(payload: bytes, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        codec.decode_batch_json(payload)


def test_envelope_with_inconsistent_columns_is_invalid() -> None:
    wire = {
        name: [0]
        for name in ("edges", "count", "min", "max", "first", "last", "first_step", "last_step")
    }
    with pytest.raises(InvalidArgument, match="one entry per bucket"):
        codec.envelope_from_wire("loss", wire)
