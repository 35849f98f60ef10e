"""Where the live view goes: an OpenCV window with keyboard control, or a headless sink.

The window fills the screen by default (a laptop or a TV seen from 2-3 m) and has no toolbar
(``cv2.WINDOW_GUI_NORMAL``: OpenCV's Qt zoom and save icons only get in the way). Its ``size`` is
the canvas the overlay is drawn on, so text is drawn at the screen's own resolution instead of
being scaled up from the camera's. Full screen is reached by placing the window over the whole
screen itself, which works without a window manager (a kiosk, Xvfb) where OpenCV's full-screen
flag alone leaves a 400x300 window; with a window manager the flag then removes the decorations.

Keys (shown on screen): space pause/resume, n next exercise, m mute, q (or Esc, or closing
the window) quit. Everything needs one key press; nothing needs a mouse mid-set.
:class:`HeadlessDisplay` shows nothing and can be given scripted key presses, so the whole live
loop runs in tests and on machines without a screen.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import enum
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from spinesafe.errors import SpinesafeError

log = logging.getLogger(__name__)

WINDOW_TITLE = "spinesafe"


class Key(enum.Enum):
    PAUSE = "pause"  # space: pause / resume
    NEXT = "next"  # n: next exercise
    MUTE = "mute"  # m: sound off / on
    QUIT = "quit"  # q, Esc or closing the window


KEY_HINTS = "SPACE pause   N next   M mute   Q quit"

_KEYS = {ord(" "): Key.PAUSE, ord("n"): Key.NEXT, ord("N"): Key.NEXT, ord("m"): Key.MUTE, ord("M"): Key.MUTE}
_KEYS.update({ord("q"): Key.QUIT, ord("Q"): Key.QUIT, 27: Key.QUIT})


def key_for(code: int) -> Key | None:
    """The :class:`Key` of an OpenCV ``waitKey`` code (-1 when none), or None."""
    return _KEYS.get(code & 0xFF) if code >= 0 else None


class DisplayUnavailable(SpinesafeError, RuntimeError):
    """No screen to open a window on (use --headless)."""


@dataclass(frozen=True)
class ScreenArea:
    """Where the window goes: (x, y) of its top left corner and its (width, height) in pixels."""

    width: int
    height: int
    x: int = 0
    y: int = 0

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


WINDOWED_SHARE = 0.75  # --no-fullscreen: a window this share of the screen's sides
FALLBACK_SIZE = (1280, 720)  # when the screen's size cannot be found (say so; --screen WxH)


def parse_screen(text: str) -> ScreenArea:
    """``WIDTHxHEIGHT`` (e.g. ``1920x1080``) as a :class:`ScreenArea`; ValueError when malformed."""
    match = re.fullmatch(r"\s*(\d{2,5})\s*[xX]\s*(\d{2,5})\s*", text)
    if match is None or min(int(match[1]), int(match[2])) < 64:
        raise ValueError(f"expected WIDTHxHEIGHT in pixels such as 1920x1080 (64 or more each), got {text!r}")
    return ScreenArea(int(match[1]), int(match[2]))


def find_screen() -> ScreenArea | None:
    """The screen the window should fill: the primary monitor as xrandr reports it (one monitor, not
    the whole desktop of two), else the X display's size through libX11, else tkinter's (macOS,
    Windows); None when none of them answers."""
    for probe in (_xrandr_primary, _x11_screen, _tk_screen):
        try:
            area = probe()
        except (OSError, ValueError, subprocess.SubprocessError, ImportError, RuntimeError) as exc:
            log.debug("screen size from %s: %s", probe.__name__, exc)
            continue
        if area is not None:
            log.debug("screen %dx%d+%d+%d (from %s)", area.width, area.height, area.x, area.y, probe.__name__)
            return area
    return None


_XRANDR_OUTPUT = re.compile(r"^\S+ connected (primary )?(\d+)x(\d+)\+(\d+)\+(\d+)", re.MULTILINE)


def _xrandr_primary() -> ScreenArea | None:
    if not os.environ.get("DISPLAY") or shutil.which("xrandr") is None:
        return None
    listing = subprocess.run(["xrandr", "--query"], capture_output=True, text=True, timeout=5, check=True).stdout
    outputs = _XRANDR_OUTPUT.findall(listing)
    if not outputs:
        return None
    primary = next((o for o in outputs if o[0]), outputs[0])
    return ScreenArea(int(primary[1]), int(primary[2]), int(primary[3]), int(primary[4]))


def _x11_screen() -> ScreenArea | None:
    """The default screen of $DISPLAY through libX11 (present wherever an X client such as OpenCV's
    window runs; no extra package)."""
    name = ctypes.util.find_library("X11") if os.environ.get("DISPLAY") else None
    if name is None:
        return None
    x11 = ctypes.CDLL(name)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        return None
    try:
        screen = x11.XDefaultScreen(display)
        return ScreenArea(int(x11.XDisplayWidth(display, screen)), int(x11.XDisplayHeight(display, screen)))
    finally:
        x11.XCloseDisplay(display)


def _tk_screen() -> ScreenArea | None:
    if os.name == "posix" and not _is_macos():
        return None  # on X11 the probes above answer; tkinter is often not installed there
    import tkinter

    root = tkinter.Tk()
    try:
        root.withdraw()
        return ScreenArea(int(root.winfo_screenwidth()), int(root.winfo_screenheight()))
    finally:
        root.destroy()


class Display(Protocol):
    size: tuple[int, int] | None  # the canvas to draw on; None: the camera picture's size
    notice: str  # a degraded mode to announce once ("" when none)

    def show(self, image: np.ndarray) -> None: ...

    def poll_keys(self, t_s: float) -> list[Key]:
        """Keys pressed since the last call; ``t_s`` is the session time (for scripted fakes)."""
        ...

    def close(self) -> None: ...


class OpenCVWindow:
    """An OpenCV window without a toolbar that fills the screen (``fullscreen=False``: 3/4 of it).

    ``screen`` overrides the screen found by :func:`find_screen`. ``size`` is the (width, height)
    to draw the pictures at; ``notice`` says (once) when the screen's size had to be guessed.
    """

    def __init__(self, title: str = WINDOW_TITLE, fullscreen: bool = True, screen: ScreenArea | None = None) -> None:
        import cv2

        has_screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        if os.name == "posix" and not has_screen and not _is_macos():
            raise DisplayUnavailable("no screen (DISPLAY is not set); use --headless")
        self.title = title
        self._cv2 = cv2
        self.notice = ""
        area = screen or find_screen()
        if area is None:
            area = ScreenArea(*FALLBACK_SIZE)
            self.notice = (
                f"could not find the screen's size; the window is {area.width}x{area.height}: "
                "give --screen WIDTHxHEIGHT to fill the screen"
            )
        if not fullscreen:
            width, height = round(area.width * WINDOWED_SHARE), round(area.height * WINDOWED_SHARE)
            area = ScreenArea(width, height, area.x + (area.width - width) // 2, area.y + (area.height - height) // 2)
        self.size: tuple[int, int] | None = area.size
        try:
            cv2.namedWindow(title, cv2.WINDOW_GUI_NORMAL | cv2.WINDOW_KEEPRATIO)
            cv2.moveWindow(title, area.x, area.y)
            cv2.resizeWindow(title, area.width, area.height)
            if fullscreen:
                cv2.setWindowProperty(title, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        except cv2.error as exc:
            raise DisplayUnavailable(f"cannot open a window ({exc}); use --headless") from exc
        self._shown = False
        self._closed_by_user = False
        self.frames_shown = 0

    def show(self, image: np.ndarray) -> None:
        if self._closed_by_user:
            return
        self._cv2.imshow(self.title, image)
        self._shown = True
        self.frames_shown += 1

    def poll_keys(self, t_s: float) -> list[Key]:
        cv2 = self._cv2
        keys: list[Key] = []
        key = key_for(cv2.waitKey(1))
        if key is not None:
            keys.append(key)
        # The window's close button: the property drops below 1 once the window is gone.
        if self._shown and not self._closed_by_user:
            try:
                visible = cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE)
            except cv2.error:
                visible = 0
            if visible < 1:
                self._closed_by_user = True
                keys.append(Key.QUIT)
        return keys

    def close(self) -> None:
        try:
            self._cv2.destroyWindow(self.title)
            self._cv2.waitKey(1)
        except self._cv2.error as exc:
            log.debug("closing the window: %s", exc)


def _is_macos() -> bool:
    import sys

    return sys.platform == "darwin"


class HeadlessDisplay:
    """Shows nothing. ``keys`` are (session time in s, key) presses delivered once that time is reached;
    ``keep_last`` keeps the last image shown (tests look at it); ``size`` is the canvas to draw on
    (None: the camera picture's own size)."""

    def __init__(
        self, keys: Iterable[tuple[float, Key]] = (), keep_last: bool = False, size: tuple[int, int] | None = None
    ) -> None:
        self.size = size
        self.notice = ""
        self._script = sorted(keys, key=lambda k: k[0])
        self.keep_last = keep_last
        self.last_image: np.ndarray | None = None
        self.frames_shown = 0

    def show(self, image: np.ndarray) -> None:
        self.frames_shown += 1
        if self.keep_last:
            self.last_image = image

    def poll_keys(self, t_s: float) -> list[Key]:
        due = [key for at, key in self._script if at <= t_s]
        self._script = [(at, key) for at, key in self._script if at > t_s]
        return due

    def close(self) -> None:
        pass
