"""Stopping a real ``spinesafe review`` process: SIGTERM (a kill, a service or container stop) must
clean up as Ctrl+C does: exit 143 (130 for Ctrl+C), no half-written or hidden file left in the output
folder, and the stored session marked interrupted."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spinesafe.feedback.video import Mp4Writer

FPS = 30.0
REPEATS = 8  # the 45 person frames 8 times: 12 s of video, about 10 s of MediaPipe on this machine


@pytest.fixture(scope="module")
def long_person_video(tmp_path_factory: pytest.TempPathFactory, person_frames: list[np.ndarray]) -> Path:
    path = tmp_path_factory.mktemp("videos") / "long_person.mp4"
    height, width = person_frames[0].shape[:2]
    with Mp4Writer(path, FPS, (width, height)) as writer:
        for _ in range(REPEATS):
            for frame in person_frames:
                writer.write(frame)
    return path


def wait_until_writing(process: subprocess.Popen[bytes], out: Path, timeout_s: float = 120.0) -> None:
    """Until the silent annotated video (a hidden temporary file) has its first bytes."""
    temporary = out / ".annotated.video.mp4"
    deadline = time.monotonic() + timeout_s
    while not (temporary.is_file() and temporary.stat().st_size > 0):
        assert process.poll() is None, "the review ended before it was stopped: " + process.stderr.read().decode()
        assert time.monotonic() < deadline, f"{temporary} was not written within {timeout_s:.0f} s"
        time.sleep(0.05)


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "Ctrl+C"])
def test_a_stopped_review_cleans_up_and_is_stored_as_interrupted(
    long_person_video: Path, tmp_path: Path, stop: signal.Signals, code: int
) -> None:
    out, db = tmp_path / "out", tmp_path / "sessions.db"
    command = [sys.executable, "-m", "spinesafe", "review", str(long_person_video), "-e", "squat"]
    command += ["--out", str(out), "--db", str(db), "-q"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            wait_until_writing(process, out)
            process.send_signal(stop)
            _, err = process.communicate(timeout=60)
        finally:
            process.kill()
            process.wait(timeout=10)
    text = err.decode()
    assert process.returncode == code, text
    # MediaPipe's own start-up lines come first; spinesafe says one line
    assert "Traceback" not in text and text.splitlines()[-1].startswith("spinesafe: "), text
    assert sorted(p.name for p in out.iterdir()) == []  # no hidden temporary, no half-written output
    with contextlib.closing(sqlite3.connect(db)) as reader:
        status, frames = reader.execute("SELECT status, frames FROM sessions").fetchone()
    assert status == "interrupted" and 0 < frames < REPEATS * 45
