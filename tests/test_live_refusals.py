"""What ``spinesafe live`` refuses, in one line and exit code 2: a camera that cannot be opened, and
a movement to avoid (never coached; ``review`` still analyses recordings of it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from spinesafe.classifiers.exercises import EXERCISES, UNSAFE_PATTERNS, Kind
from spinesafe.errors import UnsafeExerciseError
from spinesafe.feedback.audio import RecordingPlayer
from spinesafe.feedback.window import HeadlessDisplay
from spinesafe.pose.camera import ReplayCamera, ReplayEstimator
from spinesafe.pose.recording import load_recording
from spinesafe.session.live import LiveOptions, run_live

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "samples" / "demo_squats.npz"
NO_SUCH_CAMERA = "7"  # no machine the tests run on has eight cameras; CI has none


def spinesafe(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SPINESAFE_DB=str(tmp_path / "sessions.db"))
    return subprocess.run(
        [sys.executable, "-m", "spinesafe", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_camera_that_cannot_be_opened_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = spinesafe(tmp_path, "live", "--camera", NO_SUCH_CAMERA, "--exercise", "squat", "--headless")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr  # no OpenCV warnings, no retrying for ever
    assert re.fullmatch(
        r"spinesafe: error: camera 7 cannot be opened \(.+\); (cameras found: \d+(, \d+)*|no cameras found)\. "
        r"Choose a camera with --camera N, or play a video file or a \.npz recording as the camera with --camera PATH",
        lines[0],
    ), lines[0]
    assert done.stdout == ""
    assert not (tmp_path / "sessions.db").exists()  # no session was started


@pytest.mark.parametrize("exercise", UNSAFE_PATTERNS)
def test_live_refuses_a_movement_to_avoid_and_says_what_to_do_instead(tmp_path: Path, exercise: str) -> None:
    done = spinesafe(tmp_path, "live", "--camera", str(DEMO), "--exercise", exercise, "--headless")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    instead = EXERCISES[exercise].instead
    assert lines[0].startswith(f"spinesafe: error: {exercise} is a movement to avoid with osteoporosis")
    assert "never coached" in lines[0] and f"--exercise {instead}" in lines[0]
    assert EXERCISES[instead].kind is not Kind.UNSAFE
    assert done.stdout == ""


def test_run_live_itself_refuses_a_movement_to_avoid() -> None:
    poses = list(load_recording(DEMO))
    camera = ReplayCamera(poses, fps=30.0, speed=50.0)
    with pytest.raises(UnsafeExerciseError, match=r"toe_touch .* never coached.*--exercise hip_hinge"):
        run_live(
            LiveOptions(exercise="toe_touch", headless=True, history=False),
            camera=camera,
            estimator=ReplayEstimator(poses),
            display=HeadlessDisplay(),
            speakers=RecordingPlayer(),
        )
    assert camera.published == 0  # refused before the camera started


def test_review_of_a_movement_to_avoid_is_still_allowed(tmp_path: Path) -> None:
    done = spinesafe(
        tmp_path, "review", str(DEMO), "--exercise", "toe_touch", "-q", "--no-video", "--no-history",
        "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.json").is_file()
