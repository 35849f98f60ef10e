"""Where the live view goes: an OpenCV window with keyboard control, or a headless sink.

Keys (shown on screen): space pause/resume, n next exercise, m mute, q (or Esc, or closing
the window) quit. Everything needs one key press; nothing needs a mouse mid-set.
:class:`HeadlessDisplay` shows nothing and can be given scripted key presses, so the whole live
loop runs in tests and on machines without a screen.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Iterable
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


class Display(Protocol):
    def show(self, image: np.ndarray) -> None: ...

    def poll_keys(self, t_s: float) -> list[Key]:
        """Keys pressed since the last call; ``t_s`` is the session time (for scripted fakes)."""
        ...

    def close(self) -> None: ...


class OpenCVWindow:
    """A resizable OpenCV window (``fullscreen`` for a TV or a laptop across the room)."""

    def __init__(self, title: str = WINDOW_TITLE, fullscreen: bool = False) -> None:
        import cv2

        has_screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        if os.name == "posix" and not has_screen and not _is_macos():
            raise DisplayUnavailable("no screen (DISPLAY is not set); use --headless")
        self.title = title
        self._cv2 = cv2
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL)
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
    ``keep_last`` keeps the last image shown (tests look at it)."""

    def __init__(self, keys: Iterable[tuple[float, Key]] = (), keep_last: bool = False) -> None:
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
