"""The overlay's layout: the picture whole, the words around it in large type, measured from the pixels."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from spinesafe.feedback import overlay, typeface
from spinesafe.feedback.overlay import (
    ORANGE,
    OverlayText,
    draw_overlay,
    message_screen,
    overlay_layout,
    split_counter,
)
from spinesafe.feedback.window import KEY_HINTS
from spinesafe.lab.synthetic import animate, bridge_reps, standing
from spinesafe.pose.frame import PoseFrame

PICTURE = (1280, 720)
SCREENS = [(1280, 800), (1920, 1080), (1600, 1000), (960, 540)]
FULL = OverlayText(
    exercise="Bridge",
    cue="Hinge at your hips, keep your chest up.",
    status="Lie on your back, knees bent. Slow and controlled.",
    counter="7/10",
    progress="Set 1 of 2  -  7 of 10 reps",
    message="Rest 0:42",
    hints=KEY_HINTS,
)


def camera_picture(size: tuple[int, int] = PICTURE) -> np.ndarray:
    """A textured picture (a plain one would hide a translucent band drawn over it)."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    return np.stack([(xx * 7) % 200 + 30, (yy * 5) % 180 + 40, ((xx + yy) * 3) % 160 + 60], axis=2).astype(np.uint8)


def lying_pose(size: tuple[int, int] = PICTURE) -> PoseFrame:
    """A person lying on the floor (a bridge): the hips and legs near the bottom of the picture,
    where the old bottom band was."""
    frames = animate(bridge_reps(1), fps=10, image_size=size, body_fraction=0.9)
    return frames[len(frames) // 2]


def person_box(pose: PoseFrame, canvas: tuple[int, int], picture: tuple[int, int]) -> tuple[slice, slice]:
    """The person's bounding box on the canvas (landmarks through the layout), 5% larger each way."""
    pic = overlay_layout(canvas, picture).picture
    xy = pose.landmarks[:, :2] * np.array([pic.w, pic.h]) + np.array([pic.x, pic.y])
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    pad_x, pad_y = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
    return slice(int(y0 - pad_y), int(y1 + pad_y) + 1), slice(int(x0 - pad_x), int(x1 + pad_x) + 1)


def tallest_blob_px(mask: np.ndarray) -> int:
    """Height of the tallest connected group of ``mask`` pixels (one glyph: a digit, a capital)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return int(stats[1:, cv2.CC_STAT_HEIGHT].max()) if count > 1 else 0


def near(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    return np.abs(image.astype(np.int16) - np.array(colour)).max(axis=2) < tolerance


@pytest.fixture()
def no_truetype(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine without DejaVu: every font file looked for is missing."""
    monkeypatch.setattr(typeface, "font_candidates", lambda name: [typeface.Path("/nonexistent") / name])
    typeface.typeface.cache_clear()
    overlay._panel_image.cache_clear()
    overlay._caption_image.cache_clear()
    yield
    typeface.typeface.cache_clear()
    overlay._panel_image.cache_clear()
    overlay._caption_image.cache_clear()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("picture", [PICTURE, (720, 1280)])
def test_layout_shows_the_whole_picture_beside_the_panels(screen: tuple[int, int], picture: tuple[int, int]) -> None:
    layout = overlay_layout(screen, picture)
    pic, panel, caption = layout.picture, layout.panel, layout.caption
    assert abs(pic.w / pic.h - picture[0] / picture[1]) < 0.01  # aspect kept
    assert pic.x >= 0 and pic.right <= panel.x and panel.right == screen[0] and pic.bottom <= screen[1]
    assert caption.right <= panel.x
    if picture[0] > picture[1]:  # landscape: the caption under the picture, room for three lines
        assert caption.y >= pic.bottom and caption.h >= 0.3 * screen[1] - 1
        assert pic.w * pic.h >= 0.3 * screen[0] * screen[1]
    else:  # portrait: the caption beside the picture, the picture the screen's height
        assert caption.x >= pic.right and caption.w >= 0.25 * screen[0] - 1 and pic.h == screen[1]


@pytest.mark.parametrize("picture", [PICTURE, (720, 1280)])  # a webcam; a phone held upright
def test_nothing_is_drawn_over_the_person_lying_on_the_floor(picture: tuple[int, int]) -> None:
    pose = lying_pose(picture)
    image = camera_picture(picture)
    for screen in [(1280, 800), (1920, 1080), picture]:
        bare = draw_overlay(image, pose, None, OverlayText(exercise=""), screen)
        full = draw_overlay(image, pose, None, FULL, screen)
        rows, cols = person_box(pose, screen, picture)
        assert rows.stop <= screen[1] and cols.stop <= screen[0]
        assert np.array_equal(full[rows, cols], bare[rows, cols]), screen  # only the skeleton is on the body
        # ... and around the skeleton the body is the camera's picture, scaled, untouched.
        absent = draw_overlay(image, PoseFrame.absent(0.0, 0, picture), None, FULL, screen)
        pic = overlay_layout(screen, picture).picture
        expected = cv2.resize(image, (pic.w, pic.h)) if (pic.w, pic.h) != picture else image
        assert np.array_equal(absent[pic.y : pic.bottom, pic.x : pic.right], expected)


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("counter", ["8/10", "12s", "0:42"])
def test_counter_is_a_fifth_and_the_cue_a_twentieth_of_the_screen_height(screen: tuple[int, int], counter: str) -> None:
    pose = animate(standing(0.2), fps=10, image_size=PICTURE)[0]
    text = OverlayText(exercise="Squat", counter=counter, cue="HIPS BACK")
    out = draw_overlay(camera_picture(), pose, None, text, screen)
    layout = overlay_layout(screen, PICTURE, counter=counter)
    panel, caption = layout.panel, layout.caption
    digits = tallest_blob_px(near(out[:, panel.x :], ORANGE))
    assert digits >= screen[1] / 5
    cue = out[caption.y : caption.bottom, caption.x : caption.right]
    cap = tallest_blob_px(cue.min(axis=2) > 200)  # the white capitals of "HIPS BACK"
    assert screen[1] / 20 <= cap <= screen[1] / 12


def test_counter_splits_into_a_large_number_and_a_line_under_it() -> None:
    assert split_counter("3/10") == ("3", "of 10") and split_counter("12s") == ("12", "seconds")
    assert split_counter("0:42") == ("0:42", "") and split_counter(" ") == ("", "")
    wide = overlay_layout((1280, 800), PICTURE, counter="0:42").picture
    narrow = overlay_layout((1280, 800), PICTURE, counter="3/10").picture
    assert narrow == overlay_layout((1280, 800), PICTURE, counter="10/10").picture  # no jump mid-set
    assert wide.w < narrow.w  # a clock needs a wider panel


def test_counter_text_replaces_the_rep_count() -> None:
    absent = PoseFrame.absent(0.0, 0, PICTURE)
    zero = draw_overlay(camera_picture(), absent, None, OverlayText(exercise="x"), (1280, 800))
    counter = draw_overlay(camera_picture(), absent, None, OverlayText(exercise="x", counter="7/10"), (1280, 800))
    panel = overlay_layout((1280, 800), PICTURE).panel
    assert not np.array_equal(zero[:, panel.x :], counter[:, panel.x :])
    assert near(zero[:, panel.x :], ORANGE).any()  # "0" when there is no counter text


def test_message_progress_and_hints_go_around_the_picture() -> None:
    screen = (1280, 800)
    absent = PoseFrame.absent(0.0, 0, PICTURE)
    base = draw_overlay(camera_picture(), absent, None, OverlayText(exercise="x"), screen)
    full = draw_overlay(camera_picture(), absent, None, FULL, screen)
    layout = overlay_layout(screen, PICTURE)
    pic, panel, caption = layout.picture, layout.panel, layout.caption
    assert np.array_equal(full[pic.y : pic.bottom, pic.x : pic.right], base[pic.y : pic.bottom, pic.x : pic.right])
    in_caption = full[caption.y : caption.bottom, : caption.right] != base[caption.y : caption.bottom, : caption.right]
    assert in_caption.any()  # the message and the cue
    assert (full[panel.bottom - 60 :, panel.x :] != base[panel.bottom - 60 :, panel.x :]).any()  # key hints


def test_compact_layout_leaves_more_picture() -> None:
    normal = overlay_layout(PICTURE, PICTURE).picture
    compact = overlay_layout(PICTURE, PICTURE, compact=True).picture
    assert compact.w * compact.h > 1.2 * normal.w * normal.h


def test_long_cue_is_cut_with_an_ellipsis_not_shrunk() -> None:
    cue = " ".join(["Keep your chest up and breathe out as you lift."] * 6)
    out = draw_overlay(
        camera_picture(), PoseFrame.absent(0.0, 0, PICTURE), None, OverlayText("x", cue=cue), (1280, 800)
    )
    caption = overlay_layout((1280, 800), PICTURE).caption
    white_rows = np.flatnonzero((out[caption.y :, : caption.right].min(axis=2) > 200).any(axis=1))
    assert white_rows.max() + caption.y < 800 - 10  # the last line stays inside the screen


def test_message_screen_darkens_and_says_it_large() -> None:
    base = np.full((800, 1280, 3), 200, np.uint8)
    out = message_screen(base, "Camera 0 stopped sending pictures.", KEY_HINTS)
    assert out[:100].max() < 70  # darkened
    assert tallest_blob_px(out[300:500].min(axis=2) > 200) >= 800 * overlay.MESSAGE_CAP * 0.95


def test_truetype_text_has_the_asked_cap_height() -> None:
    face = typeface.typeface(bold=True)
    assert face.truetype, "DejaVu Sans is found (fonts-dejavu-core or matplotlib's copy)"
    for cap in (20, 44, 166):
        glyphs = face.glyphs("H", cap)
        assert abs(int((glyphs.alpha > 127).any(axis=1).sum()) - cap) <= 1


def test_missing_font_falls_back_with_one_clear_warning(no_truetype: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="spinesafe.feedback.typeface"):
        face = typeface.typeface(bold=True)
        typeface.typeface(bold=True)
    assert not face.truetype and "Hershey" in face.name
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "fonts-dejavu-core" in warnings[0]
    glyphs = face.glyphs("H", 60)
    assert abs(int((glyphs.alpha > 127).any(axis=1).sum()) - 60) <= 6  # still sized by cap height
    screen = (1280, 800)
    text = OverlayText(exercise="Squat", counter="8", cue="HIPS BACK")
    out = draw_overlay(camera_picture(), PoseFrame.absent(0.0, 0, PICTURE), None, text, screen)
    panel = overlay_layout(screen, PICTURE).panel
    assert tallest_blob_px(near(out[:, panel.x :], ORANGE)) >= screen[1] / 5


def test_long_message_is_set_smaller_to_fit_but_not_below_the_cue_size() -> None:
    summary = "Session complete: 12 reps. Your back stayed straight. Well done."
    screen = (1280, 800)
    out = draw_overlay(
        camera_picture(), PoseFrame.absent(0.0, 0, PICTURE), None, OverlayText("x", message=summary), screen
    )
    caption = overlay_layout(screen, PICTURE).caption
    white = out[caption.y : caption.bottom, : caption.right].min(axis=2) > 200
    rows = np.flatnonzero(white.any(axis=1))
    lines = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    layout = overlay_layout(screen, PICTURE)
    whole = typeface.wrap(summary, layout.cap(overlay.CUE_CAP), caption.w - 2 * layout.margin, typeface.typeface())
    assert len(lines) == len(whole) >= 3  # all of it, not cut
    assert tallest_blob_px(white) >= screen[1] / 20
