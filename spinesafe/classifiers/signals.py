"""Small online signal filters used by the state machines."""

from __future__ import annotations

import math
from collections import deque


class MedianFilter:
    """Median of the finite values seen in the last ``window_s`` seconds.

    A median (not a mean) so that a single-frame landmark jump — common when MediaPipe swaps
    left and right limbs for one frame — does not move the signal at all.
    """

    def __init__(self, window_s: float) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be positive, got {window_s}")
        self.window_s = window_s
        self._items: deque[tuple[float, float]] = deque()

    def update(self, t_s: float, value: float) -> float:
        """Add a value (NaN is ignored) and return the current median (NaN if none)."""
        if math.isfinite(value):
            self._items.append((t_s, value))
        while self._items and self._items[0][0] < t_s - self.window_s:
            self._items.popleft()
        if not self._items:
            return float("nan")
        values = sorted(v for _, v in self._items)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2.0

    def reset(self) -> None:
        self._items.clear()


STEP_HEIGHT = "step_height"
# The floor is the lowest the feet have been in the picture over this window: a step-up puts
# both feet back on the floor at least once every ~5 s (a rep takes 2.5-4 s in the corpus), and
# a shorter memory follows a camera that drifts (a phone on a shelf, a hand-held pan).
FLOOR_WINDOW_S = 10.0
FOOT_SMOOTHING_S = 0.2


class StepHeight:
    """How high the lower foot stands above the floor, in percent of the person's trunk length.

    A step-up's only change a camera sees for sure is the whole body rising by the step: at the
    top both feet stand on it, between reps both stand on the floor, and while one foot is up the
    other is still down (so the *lower* foot rises once per rep, whichever leg leads). The knee
    angle bends twice per rep and the far knee is often hidden, so it counted 2 of 4 step-ups on
    the corpus. Image heights are scaled by the trunk (shoulder-mid to hip-mid, ~0.29 of body
    height, Drillis & Contini 1966) so the figure does not depend on the distance to the camera.
    """

    def __init__(self, window_s: float = FLOOR_WINDOW_S) -> None:
        self.window_s = window_s
        # One frame's foot landmark thrown to the bottom of the picture must not become the floor.
        self._foot = MedianFilter(FOOT_SMOOTHING_S)
        self._lows: deque[tuple[float, float]] = deque()  # (t, foot y) with decreasing y: max in front

    def update(self, t_s: float, lower_foot_y_px: float, trunk_px: float) -> float:
        """Height of the lower foot above the floor seen so far (NaN when the feet are not seen)."""
        while self._lows and self._lows[0][0] < t_s - self.window_s:
            self._lows.popleft()
        if not (math.isfinite(lower_foot_y_px) and math.isfinite(trunk_px) and trunk_px > 0):
            return float("nan")
        lower_foot_y_px = self._foot.update(t_s, lower_foot_y_px)
        while self._lows and self._lows[-1][1] <= lower_foot_y_px:
            self._lows.pop()
        self._lows.append((t_s, lower_foot_y_px))
        floor_y = self._lows[0][1]  # image y grows downwards: the floor is the largest y seen
        return 100.0 * (floor_y - lower_foot_y_px) / trunk_px

    def reset(self) -> None:
        self._foot.reset()
        self._lows.clear()
