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
