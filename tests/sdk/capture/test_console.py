from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from headway.entities import ConsoleLine
from headway.sdk.capture.console import MAX_LINE_CHARS, ConsoleCapture


class Streams:
    """StringIO "terminals" under a started capture, and the lines it emitted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.lines: list[ConsoleLine] = []
        self.capture = ConsoleCapture(self.lines.append)
        monkeypatch.setattr(sys, "stdout", self.stdout)
        monkeypatch.setattr(sys, "stderr", self.stderr)
        self.capture.start()

    def texts(self, stream: str = "stdout") -> list[str]:
        return [line.text for line in self.lines if line.stream == stream]


@pytest.fixture
def start_capture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Streams]]:
    # pytest swaps sys.stdout between setup and the test itself, so a capture started in
    # a fixture would wrap the wrong stream; tests call the factory instead.
    started: list[Streams] = []

    def start() -> Streams:
        started.append(Streams(monkeypatch))
        return started[-1]

    yield start
    for s in started:
        s.capture.stop()


def test_lines_are_recorded_and_still_written_through(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    print("epoch 1")
    print("loss", 0.5)
    print("careful", file=sys.stderr)
    # The user sees output as it is written, not when a line completes.
    sys.stdout.write("no newline yet")
    assert streams.stdout.getvalue().endswith("no newline yet")
    streams.capture.stop()

    assert streams.texts("stdout") == ["epoch 1", "loss 0.5", "no newline yet"]
    assert streams.texts("stderr") == ["careful"]
    assert streams.stdout.getvalue() == "epoch 1\nloss 0.5\nno newline yet"
    assert streams.stderr.getvalue() == "careful\n"


def test_line_time_is_when_the_line_started(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    before = time.time()
    sys.stdout.write("start ")
    after = time.time()
    time.sleep(0.05)
    sys.stdout.write("end\n")

    (line,) = streams.lines
    assert before <= line.time <= after
    assert line.text == "start end"


def test_empty_lines_are_kept(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    print("a")
    print()
    print("b")

    assert streams.texts() == ["a", "", "b"]


def test_progress_bar_keeps_its_last_state(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    for i in range(0, 101, 10):
        sys.stderr.write(f"\r{i:3d}%|{'#' * (i // 10):<10}|")
        sys.stderr.flush()
    sys.stderr.write("\n")
    print("done")

    assert streams.texts("stderr") == ["100%|##########|"]
    assert streams.texts("stdout") == ["done"]
    assert streams.stderr.getvalue().count("\r") == 11  # the terminal got every redraw


def test_overwrite_behaves_like_a_terminal(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    sys.stdout.write("loading...\rok        \n")  # padding blanks the old state
    sys.stdout.write("abcdef\rXY\n")
    sys.stdout.write("windows line\r\n")

    assert streams.texts() == ["ok", "XYcdef", "windows line"]


def test_unfinished_progress_is_flushed_on_stop(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    sys.stdout.write("\rstep 1/3")
    sys.stdout.write("\rstep 2/3")
    streams.capture.stop()

    assert streams.texts() == ["step 2/3"]


def test_very_long_lines_are_cut(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    text = "x" * (2 * MAX_LINE_CHARS + 10)
    for i in range(0, len(text), 1000):  # many small writes, like a streaming dump
        sys.stdout.write(text[i : i + 1000])
    sys.stdout.write("\n")

    assert [len(t) for t in streams.texts()] == [MAX_LINE_CHARS, MAX_LINE_CHARS, 10]
    assert "".join(streams.texts()) == text


def test_attributes_come_from_the_original(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    assert sys.stdout is not streams.stdout
    assert sys.stdout.isatty() is False
    assert sys.stdout.getvalue() == streams.stdout.getvalue()  # type: ignore[union-attr]
    with pytest.raises(io.UnsupportedOperation):
        sys.stdout.fileno()
    sys.stdout.writelines(["a\n", "b\n"])
    assert streams.texts() == ["a", "b"]


def test_stop_restores_the_original_streams(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    streams.capture.stop()

    assert sys.stdout is streams.stdout
    assert sys.stderr is streams.stderr
    print("after")
    assert streams.lines == []


def test_stop_leaves_a_stream_someone_else_replaced(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()
    ours = sys.stdout
    replacement = io.StringIO()
    sys.stdout = replacement

    streams.capture.stop()

    assert sys.stdout is replacement
    assert sys.stderr is streams.stderr
    ours.write("written through a stale reference\n")  # still reaches the terminal
    assert streams.stdout.getvalue() == "written through a stale reference\n"
    assert streams.lines == []  # but is no longer recorded


def test_a_failing_emit_never_breaks_print(monkeypatch: pytest.MonkeyPatch) -> None:
    original = io.StringIO()
    monkeypatch.setattr(sys, "stdout", original)

    def broken(line: ConsoleLine) -> None:
        raise RuntimeError("buffer closed")

    capture = ConsoleCapture(broken)
    capture.start()
    try:
        print("still printed")
    finally:
        capture.stop()

    assert original.getvalue() == "still printed\n"


def test_emit_that_prints_does_not_recurse(monkeypatch: pytest.MonkeyPatch) -> None:
    original = io.StringIO()
    monkeypatch.setattr(sys, "stdout", original)
    seen: list[str] = []

    def noisy(line: ConsoleLine) -> None:
        seen.append(line.text)
        print(f"debug: got {line.text!r}")

    capture = ConsoleCapture(noisy)
    capture.start()
    try:
        print("hello")
    finally:
        capture.stop()

    assert seen == ["hello"]
    assert original.getvalue() == "hello\ndebug: got 'hello'\n"


def test_concurrent_writers_lose_nothing(start_capture: Callable[[], Streams]) -> None:
    streams = start_capture()

    def worker(n: int) -> None:
        for i in range(300):
            sys.stdout.write(f"thread {n} line {i}\n")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    expected = {f"thread {n} line {i}" for n in range(8) for i in range(300)}
    assert len(streams.lines) == len(expected)
    assert set(streams.texts()) == expected


SCRIPT = textwrap.dedent(
    """\
    import json, sys
    from headway.sdk.capture.console import ConsoleCapture

    lines = []
    capture = ConsoleCapture(lines.append)
    capture.start()
    facts = {"encoding": sys.stdout.encoding, "fileno": sys.stdout.fileno()}
    print("hello from the script")
    for i in range(1, 4):
        print(f"\\rtraining {i}/3", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print("oops", file=sys.stderr)
    print("tail without newline", end="")
    capture.stop()
    captured = [[line.stream, line.text] for line in lines]
    with open(sys.argv[1], "w") as f:
        json.dump({"lines": captured, "facts": facts}, f)
    """
)


def test_capture_in_a_real_process(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    result_file = tmp_path / "result.json"

    proc = subprocess.run(
        [sys.executable, str(script), str(result_file)],
        capture_output=True,
        timeout=120,
        check=True,
    )

    result = json.loads(result_file.read_text())
    assert result["lines"] == [
        ["stdout", "hello from the script"],
        ["stderr", "training 3/3"],
        ["stderr", "oops"],
        ["stdout", "tail without newline"],
    ]
    assert result["facts"]["fileno"] == 1
    assert result["facts"]["encoding"]
    # Bytes: text mode would turn the "\r" the terminal got into "\n".
    assert proc.stdout == b"hello from the script\ntail without newline"
    assert proc.stderr == b"\rtraining 1/3\rtraining 2/3\rtraining 3/3\noops\n"
