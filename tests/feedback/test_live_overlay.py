"""The live additions to the overlay: counter text, set/rest progress, big message, key hints, compact layout."""

from __future__ import annotations

import numpy as np

from spinesafe.feedback.overlay import OverlayText, draw_overlay
from spinesafe.feedback.window import KEY_HINTS
from spinesafe.pose.frame import PoseFrame

SIZE = (1280, 720)


def canvas() -> np.ndarray:
    return np.full((SIZE[1], SIZE[0], 3), 128, np.uint8)


def dark_rows(image: np.ndarray) -> int:
    """How many rows from the top are the black band (mostly black)."""
    rows = (image.max(axis=2) < 20).mean(axis=1) > 0.6
    return int(np.argmin(rows)) if not rows.all() else image.shape[0]


def test_counter_text_replaces_the_rep_count() -> None:
    absent = PoseFrame.absent(0.0, 0, SIZE)
    zero = draw_overlay(canvas(), absent, None, OverlayText(exercise="x"))
    counter = draw_overlay(canvas(), absent, None, OverlayText(exercise="x", counter="7/10"))
    right = (slice(0, 90), slice(SIZE[0] - 400, SIZE[0]))
    assert (zero[right] != counter[right]).any()


def test_progress_message_and_hints_are_drawn_where_expected() -> None:
    absent = PoseFrame.absent(0.0, 0, SIZE)
    base = draw_overlay(canvas(), absent, None, OverlayText(exercise="x"))
    text = OverlayText(exercise="x", progress="Set 1 of 2 - 3 of 10 reps", message="Rest 0:42", hints=KEY_HINTS)
    full = draw_overlay(canvas(), absent, None, text)
    band = int(90 * SIZE[0] / 720)  # the top band scales with the image
    assert (full[band + 5 : band + 60] != base[band + 5 : band + 60]).any()  # progress strip under the top band
    centre = full[300:420, 500:780]
    assert centre.mean() < base[300:420, 500:780].mean() - 40  # darkened box behind the big message
    assert (full[SIZE[1] - 30 :] != base[SIZE[1] - 30 :]).any()  # the key hints along the bottom


def test_compact_layout_leaves_more_video() -> None:
    absent = PoseFrame.absent(0.0, 0, SIZE)
    normal = draw_overlay(canvas(), absent, None, OverlayText(exercise="x"))
    compact = draw_overlay(canvas(), absent, None, OverlayText(exercise="x", compact=True))
    assert dark_rows(compact) < 0.7 * dark_rows(normal)
