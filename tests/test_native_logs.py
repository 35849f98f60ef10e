"""Native log lines (TensorFlow Lite, MediaPipe glog/absl, OpenCV, FFmpeg) are kept off stderr
unless --verbose; everything else written to stderr still arrives.

The filter works on file descriptor 2, so it is tested in real subprocesses: a small script that
writes what the native libraries write, and ``spinesafe review`` running real MediaPipe on a video.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from spinesafe.native_logs import is_native_log_line

ROOT = Path(__file__).resolve().parents[1]

# Lines seen on stderr in a plain `spinesafe review` run (mediapipe 0.10.21, OpenCV 4.11).
NATIVE_LINES = [
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n",
    b"W0000 00:00:1796635356.597076   10056 inference_feedback_manager.cc:114] Feedback manager requires a model "
    b"with a single signature inference. Disabling support for feedback tensors.\n",
    b"I0000 00:00:1796635356.5 10056 gl_context.cc:369] GL version: 3.2\n",
    b"[ WARN:0@0.013] global cap_v4l.cpp:913 open VIDEOIO(V4L2:/dev/video7): can't open camera by index\n",
    b"[h264 @ 0x55d0c0a1b2c0] error while decoding MB 12 7\n",
    b"OpenCV: out device of bound (0-0): 7\n",
]
OWN_LINES = [
    b"WARNING: sound: no audio output (Error querying device -1); cues will be shown on screen only\n",
    b"spinesafe: error: camera 7 cannot be opened\n",
    b"/tmp/x.py:3: UserWarning: something to know\n",
    b"Traceback (most recent call last):\n",
    b"E0000 00:00:1796635356.5 10056 calculator_graph.cc:887] INVALID_ARGUMENT: the graph failed\n",
    b"p.mp4: Mini squat, 0.5 s, 15 frames\n",
    b"OpenCV: not authorized to capture video (status 0), requesting...\n",
]


@pytest.mark.parametrize("line", NATIVE_LINES)
def test_native_log_lines_are_recognised(line: bytes) -> None:
    assert is_native_log_line(line)


@pytest.mark.parametrize("line", OWN_LINES)
def test_other_lines_are_not(line: bytes) -> None:
    assert not is_native_log_line(line)  # including native errors: they may explain a failure


SCRIPT = textwrap.dedent(
    """
    import os, sys, warnings
    from spinesafe.native_logs import quiet_native_logs

    with quiet_native_logs(enabled=sys.argv[1] == "quiet"):
        os.write(2, b"INFO: ")  # TensorFlow Lite writes its line in three pieces
        os.write(2, b"Created TensorFlow Lite XNNPACK delegate for CPU.")
        os.write(2, b"\\n")
        print("a python line", file=sys.stderr)
        os.write(2, b"W0000 00:00:1796635356.597076   10056 inference_feedback_manager.cc:114] Feedback\\n")
        os.write(2, b"native line of a program\\n")
        os.write(2, b"\\rnative progress 3/45 frames")  # no line end: passed on all the same
        warnings.warn("a python warning")
    print("after", file=sys.stderr)
    os.write(2, b"INFO: written after the block\\n")
    """
)


def _run_script(mode: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, env=env, timeout=60, check=True, cwd=ROOT
    )
    return done.stderr.decode()


def test_the_filter_drops_native_lines_and_passes_everything_else() -> None:
    err = _run_script("quiet")
    assert "TensorFlow Lite" not in err and "inference_feedback_manager" not in err
    for text in ("a python line", "native line of a program", "native progress 3/45", "UserWarning: a python warning"):
        assert text in err, err
    # fd 2 is restored after the block, and the pipe's last words were passed on before it
    assert err.index("native progress 3/45") < err.index("INFO: written after the block")


def test_without_the_filter_every_line_arrives() -> None:
    err = _run_script("verbose")
    assert "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." in err
    assert "inference_feedback_manager" in err and "a python warning" in err


def _review(video: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SPINESAFE_DB=str(out / "sessions.db"))
    cmd = [sys.executable, "-m", "spinesafe", "review", str(video), "--exercise", "squat", "-q", "--no-video"]
    cmd += ["--no-history", "-o", str(out / "report"), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_review_with_mediapipe_is_quiet_unless_verbose(tmp_path: Path, person_video: Path) -> None:
    quiet = _review(person_video, tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "", quiet.stderr  # nothing at all: no TFLite, glog or OpenCV lines
    assert "person.mp4" in quiet.stdout
    verbose = _review(person_video, tmp_path, "--verbose")
    assert verbose.returncode == 0, verbose.stderr
    assert "TensorFlow Lite" in verbose.stderr  # MediaPipe ran and, asked to, says so
    assert any(is_native_log_line(line.encode()) for line in verbose.stderr.splitlines())


def test_live_with_mediapipe_is_quiet_too(tmp_path: Path, person_video: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SPINESAFE_DB=str(tmp_path / "sessions.db"))
    cmd = [sys.executable, "-m", "spinesafe", "live", "--camera", str(person_video), "--exercise", "squat"]
    cmd += ["--headless", "--no-history", "--mute", "--speed", "3"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "person.mp4" in done.stdout  # the session ran (MediaPipe on every frame)
    lines = done.stderr.splitlines()
    assert not [line for line in lines if is_native_log_line(line.encode())], done.stderr
    assert "TensorFlow Lite" not in done.stderr and "absl" not in done.stderr
    # what is left is spinesafe's own (e.g. "note: sound: no audio output device ..." on a machine without one)
    assert all(line.startswith(("note:", "WARNING: ")) for line in lines), done.stderr
