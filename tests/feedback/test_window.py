"""The OpenCV window under a virtual X display (Xvfb), the keys, and the headless sink."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from spinesafe.cli import main
from spinesafe.errors import SpinesafeError
from spinesafe.feedback import window as window_module
from spinesafe.feedback.audio import RecordingPlayer
from spinesafe.feedback.overlay import ORANGE, overlay_layout
from spinesafe.feedback.window import (
    FALLBACK_SIZE,
    DisplayUnavailable,
    HeadlessDisplay,
    Key,
    OpenCVWindow,
    ScreenArea,
    _x11_screen,
    find_screen,
    key_for,
    parse_screen,
)
from spinesafe.lab.synthetic import animate, chain, squat_reps, standing
from spinesafe.pose.recording import save_recording
from spinesafe.session.live import LiveOptions, run_live


@contextlib.contextmanager
def virtual_screen(size: tuple[int, int] = (1280, 800)) -> Iterator[str]:
    """An Xvfb display of ``size``; skips when Xvfb is not installed (make installs it as root)."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; `make test` installs it when run as root)")
    # -displayfd: Xvfb picks a free display number itself and writes it once it accepts clients, so
    # two test runs on one machine never race for the same number.
    # Its log goes to a file: a pipe nobody reads fills up with keymap warnings and stalls the server.
    read_fd, write_fd = os.pipe()
    screen = f"{size[0]}x{size[1]}x24"
    command = [binary, "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, pass_fds=(write_fd,), stdout=log, stderr=log)
        os.close(write_fd)
        with os.fdopen(read_fd) as announced:
            ready, _, _ = select.select([announced], [], [], 10.0)
            number = announced.readline().strip() if ready else ""
        try:
            if not number.isdigit():
                log.seek(0)
                pytest.skip(f"Xvfb did not start: {log.read().decode(errors='replace')[-2000:]}")
            yield f":{number}"
        finally:
            proc.terminate()
            proc.wait()


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A virtual X display for the window tests."""
    with virtual_screen() as display:
        yield display


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


def test_screen_size_is_found_under_xvfb(on_screen: str) -> None:
    assert find_screen() == ScreenArea(1280, 800)
    assert _x11_screen() == ScreenArea(1280, 800)  # without xrandr too


def test_screen_option_parses_and_overrides(on_screen: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_screen("1920x1080") == ScreenArea(1920, 1080) and parse_screen(" 1600X1000 ").size == (1600, 1000)
    for bad in ("1920", "1920x", "axb", "10x10", "1920x1080x24"):
        with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
            parse_screen(bad)
    window = OpenCVWindow(title="spinesafe-screen-option", screen=ScreenArea(1024, 640))
    assert window.size == (1024, 640) and window.notice == ""
    window.close()
    monkeypatch.setattr(window_module, "find_screen", lambda: None)
    guessed = OpenCVWindow(title="spinesafe-no-screen-size")
    assert guessed.size == FALLBACK_SIZE and "--screen" in guessed.notice
    guessed.close()


def test_bad_screen_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["live", "--exercise", "squat", "--screen", "big"])
    assert exit_info.value.code == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def test_live_session_in_a_window(on_screen: str, tmp_path: Path) -> None:
    poses = animate(chain(standing(5.0), squat_reps(1, period_s=2.5), standing(0.5)), fps=30, image_size=(640, 360))
    recording = save_recording(tmp_path / "one.npz", poses, source="one squat", estimator="synthetic", fps=30.0)
    window = OpenCVWindow(title="spinesafe-live-test")
    shown: set[tuple[int, ...]] = set()
    show = window.show
    window.show = lambda image: (shown.add(image.shape), show(image))[-1]  # type: ignore[method-assign]
    options = LiveOptions(camera=recording, exercise="squat", speed=6.0)
    outcome = run_live(options, display=window, speakers=RecordingPlayer())
    window.close()
    assert window.frames_shown == outcome.frames > 0
    assert shown == {(800, 1280, 3)}  # drawn at the screen's size, not the camera's 640x360
    assert outcome.report["rep_count"] == 1 and outcome.ended_by == "end of the recording"


# Run in a child process: Qt connects to one X display per process, and each test has its own.
SHOW_AND_CAPTURE = """
import json, sys, time
from pathlib import Path
import cv2, numpy as np
from PIL import ImageGrab
from spinesafe.feedback.overlay import OverlayText, draw_overlay
from spinesafe.feedback.window import KEY_HINTS, OpenCVWindow
from spinesafe.lab.synthetic import animate, bridge_reps

out, display = Path(sys.argv[1]), sys.argv[2]
frames = animate(bridge_reps(1), fps=10, image_size=(1280, 720), body_fraction=0.9)
pose = frames[len(frames) // 2]
yy, xx = np.mgrid[0:720, 0:1280]
picture = np.stack([(xx * 7) % 200 + 30, (yy * 5) % 180 + 40, ((xx + yy) * 3) % 160 + 60], axis=2).astype(np.uint8)
text = OverlayText(exercise="Bridge", counter="8/10", cue="HIPS UP", message="REST", progress="Set 1 of 2",
                   status="Lie on your back, knees bent.", hints=KEY_HINTS)
window = OpenCVWindow(title="spinesafe-screen-test")
canvas = draw_overlay(picture, pose, None, text, window.size)
bare = draw_overlay(picture, pose, None, OverlayText(exercise=""), window.size)
shot = None
deadline = time.monotonic() + 10
while time.monotonic() < deadline:  # until the window manager (if any) has settled the window
    window.show(canvas)
    window.poll_keys(0.0)
    time.sleep(0.05)
    shot = np.asarray(ImageGrab.grab(xdisplay=display))[:, :, ::-1]
    if shot.shape == canvas.shape and (shot == canvas).all(axis=2).mean() > 0.999:
        break
window.close()
cv2.imwrite(str(out / "screen.png"), shot)
cv2.imwrite(str(out / "canvas.png"), canvas)
cv2.imwrite(str(out / "bare.png"), bare)
landmarks = pose.landmarks[:, :2].tolist()
print(json.dumps({"size": window.size, "notice": window.notice, "landmarks": landmarks}))
"""


def _tallest_blob_px(mask: np.ndarray) -> int:
    """Height of the tallest connected group of ``mask`` pixels (one glyph: a digit, a capital)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return int(stats[1:, cv2.CC_STAT_HEIGHT].max()) if count > 1 else 0


@pytest.mark.parametrize("manager", [None, "openbox"])
@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_window_fills_the_screen_and_reads_from_afar(
    size: tuple[int, int], manager: str | None, tmp_path: Path
) -> None:
    """From a screenshot of the whole X screen: the window covers it (no toolbar, no border), the
    counter's digits are >= 1/5 of the screen height, the cue's capitals >= 1/20, and nothing but
    the skeleton is over the person (a bridge: lying on the floor)."""
    if manager is not None and shutil.which(manager) is None:
        pytest.skip(f"{manager} is not installed (a window manager; `make test` installs it when run as root)")
    pytest.importorskip("PIL.ImageGrab")
    with virtual_screen(size) as display, contextlib.ExitStack() as stack:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        if manager is not None:
            wm = stack.enter_context(subprocess.Popen([manager], env=env, stderr=subprocess.DEVNULL))
            stack.callback(wm.terminate)
            time.sleep(1.0)  # let it take the screen over before the window appears
        child = subprocess.run(
            [sys.executable, "-c", SHOW_AND_CAPTURE, str(tmp_path), display],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert child.returncode == 0, child.stderr[-2000:]
    facts = json.loads(child.stdout.strip().splitlines()[-1])
    assert tuple(facts["size"]) == size and facts["notice"] == ""
    screen, canvas = cv2.imread(str(tmp_path / "screen.png")), cv2.imread(str(tmp_path / "canvas.png"))
    assert screen.shape == (size[1], size[0], 3)
    assert (screen == canvas).all(axis=2).mean() > 0.999  # the window fills the screen, pixel for pixel

    layout = overlay_layout(size, (1280, 720), counter="8/10")
    panel, caption, pic = layout.panel, layout.caption, layout.picture
    orange = np.abs(screen.astype(np.int16) - np.array(ORANGE)).max(axis=2) < 40
    assert _tallest_blob_px(orange[:, panel.x :]) >= size[1] / 5
    white = screen[caption.y : caption.bottom, : caption.right].min(axis=2) > 200
    rows = np.flatnonzero(white.any(axis=1))
    lines = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)  # "REST", then "HIPS UP"
    assert len(lines) == 2 and len(lines[-1]) >= size[1] / 20  # the cue's cap height, in rows

    xy = np.array(facts["landmarks"]) * np.array([pic.w, pic.h]) + np.array([pic.x, pic.y])
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    body = (slice(int(y0) - 10, int(y1) + 11), slice(int(x0) - 10, int(x1) + 11))
    bare = cv2.imread(str(tmp_path / "bare.png"))
    assert np.array_equal(screen[body], bare[body])  # only the skeleton over the person
