"""The OpenCV window under a virtual X display (Xvfb), the keys, and the headless sink."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from spinesafe.errors import SpinesafeError
from spinesafe.feedback.audio import RecordingPlayer
from spinesafe.feedback.window import DisplayUnavailable, HeadlessDisplay, Key, OpenCVWindow, key_for
from spinesafe.lab.synthetic import animate, chain, squat_reps, standing
from spinesafe.pose.recording import save_recording
from spinesafe.session.live import LiveOptions, run_live


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A virtual X display for the window tests; skipped when Xvfb is not installed (make installs it as root)."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; `make test` installs it when run as root)")
    for number in range(91, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    proc = subprocess.Popen(
        [binary, display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            with proc:  # closes its pipe
                pytest.skip(f"Xvfb did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.05)
    try:
        yield display
    finally:
        with proc:  # waits for it and closes its pipe
            proc.terminate()


@pytest.fixture()
def on_screen(xvfb: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    return xvfb


def test_keys_map_to_actions() -> None:
    assert key_for(ord(" ")) is Key.PAUSE and key_for(ord("n")) is Key.NEXT and key_for(ord("M")) is Key.MUTE
    assert (
        key_for(ord("q")) is Key.QUIT and key_for(27) is Key.QUIT and key_for(-1) is None and key_for(ord("x")) is None
    )
    assert key_for(0x100000 | ord("q")) is Key.QUIT  # modifier bits some backends add


def test_headless_display_delivers_scripted_keys_once() -> None:
    display = HeadlessDisplay(keys=[(2.0, Key.PAUSE), (1.0, Key.MUTE)], keep_last=True)
    assert display.poll_keys(0.5) == []
    assert display.poll_keys(2.5) == [Key.MUTE, Key.PAUSE]
    assert display.poll_keys(3.0) == []
    image = np.zeros((4, 4, 3), np.uint8)
    display.show(image)
    assert display.frames_shown == 1 and display.last_image is image


def test_window_needs_a_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(DisplayUnavailable, match="--headless") as info:
        OpenCVWindow()
    assert isinstance(info.value, SpinesafeError)


def test_window_shows_frames_and_closing_it_quits(on_screen: str) -> None:
    window = OpenCVWindow(title="spinesafe-test")
    image = np.full((360, 640, 3), 90, np.uint8)
    for _ in range(3):
        window.show(image)
        assert window.poll_keys(0.0) == []
    assert window.frames_shown == 3
    import cv2

    cv2.destroyWindow("spinesafe-test")  # what the window's close button does
    assert window.poll_keys(0.0) == [Key.QUIT]
    window.close()


def test_live_session_in_a_window(on_screen: str, tmp_path: Path) -> None:
    poses = animate(chain(standing(5.0), squat_reps(1, period_s=2.5), standing(0.5)), fps=30, image_size=(640, 360))
    recording = save_recording(tmp_path / "one.npz", poses, source="one squat", estimator="synthetic", fps=30.0)
    window = OpenCVWindow(title="spinesafe-live-test")
    options = LiveOptions(camera=recording, exercise="squat", speed=6.0)
    outcome = run_live(options, display=window, speakers=RecordingPlayer())
    window.close()
    assert window.frames_shown == outcome.frames > 0
    assert outcome.report["rep_count"] == 1 and outcome.ended_by == "end of the recording"
