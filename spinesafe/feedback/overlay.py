"""Visual overlay: skeleton, trunk line coloured by flexion state, and the words AROUND the picture.

``draw_overlay(image, frame, state, text, canvas_size) -> canvas`` scales the camera picture into
a canvas (the window's or the video's size) and puts the words beside and below it, never over
the person: a side panel on the right (exercise, back status, a large rep counter, progress, how-to,
keys) and a caption strip under the picture (the big message and the current cue). Only the
skeleton and the trunk line are drawn on the body. It never keeps frames.

Text is DejaVu Sans (:mod:`spinesafe.feedback.typeface`) sized in fractions of the canvas height,
so a full-screen window reads from 2-3 m: the counter's digits are over 1/5 of the screen height,
the cue's capitals over 1/20. Colours are from the Okabe-Ito colour-blind-safe palette, and every
state also has a word ("BACK OK" / "ROUNDING"), so colour is never the only signal.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import cv2
import numpy as np

from spinesafe.classifiers.analyser import FrameState
from spinesafe.feedback.result import JUDGED_VIEWS
from spinesafe.feedback.typeface import Typeface, draw_text, typeface, wrap
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import SKELETON_EDGES, Landmark

# Okabe-Ito palette, BGR.
BLUE = (178, 114, 0)  # 0072B2
ORANGE = (0, 159, 230)  # E69F00
VERMILION = (0, 94, 213)  # D55E00
SKY = (233, 180, 86)  # 56B4E9
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (170, 170, 170)
PANEL = (28, 28, 28)  # the panels' background: dark, so the picture stands out and text contrasts

# A joint is drawn from this MediaPipe visibility: lower than the classifiers' 0.5 (features.MIN_VISIBILITY),
# because a faint limb on screen helps the person see they are tracked, while a judgement needs a sure joint.
DRAW_MIN_VISIBILITY = 0.3

# Cap heights as fractions of the canvas height. Targets for a full screen seen from 2-3 m (issue 14):
# counter digits >= 1/5 of the screen, cue text >= 1/20; each is set 5-10% above its target so that
# rounding to whole pixels never takes it below (DejaVu's digits are ~4% taller than its capitals).
COUNTER_CAP = 0.205
CUE_CAP = 0.055
MESSAGE_CAP = 0.07
TITLE_CAP = 0.045
LINE_CAP = 0.038  # back status, progress, "of 10" under the counter
SMALL_CAP = 0.027  # how-to and key hints: read close up, before the set starts
LINE_SPACING = 1.45  # baseline to baseline, in cap heights
MARGIN = 0.025  # around text, of the canvas height

# The panel is wide enough for the counter's large part at COUNTER_CAP (two digits fit in 30% of a
# 16:10 screen's width; a timed entry's "0:42" needs ~41%), within these shares of the canvas width.
PANEL_MIN_W, PANEL_MAX_W = 0.30, 0.45
CAPTION_MIN_H = 0.30  # room under the picture for a two-line message or a three-line cue
CAPTION_MIN_W = 0.25  # of the canvas width, beside a portrait picture: ~12 letters a line of the cue

COMPACT_SCALE = 0.6  # text and panels in the compact (screen sharing) layout, relative to the normal one
COMPACT_PANEL_W, COMPACT_CAPTION_H = 0.2, 0.15


@dataclass(frozen=True)
class OverlayText:
    """The words shown beside the video: exercise name, the current cue, status.

    Live sessions add: ``counter`` (shown instead of the analyser's rep count, e.g. "3/10" or
    "0:42"), ``progress`` (set and rest progress), ``message`` (a large message: calibration
    countdown, rest timer, PAUSED), ``hints`` (the keyboard keys) and ``compact`` (narrower panels
    and smaller text that leave more room for the picture, for sharing the view in a video call).
    """

    exercise: str
    cue: str = ""
    status: str = ""
    counter: str = ""
    progress: str = ""
    message: str = ""
    hints: str = ""
    compact: bool = False


@dataclass(frozen=True)
class Box:
    """A rectangle of the canvas, in pixels."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class Layout:
    """Where things go on a canvas: the camera picture, the side panel, the caption strip, and the
    text sizes (cap heights in pixels)."""

    canvas: tuple[int, int]
    picture: Box
    panel: Box
    caption: Box
    scale: float  # 1, or COMPACT_SCALE

    def cap(self, fraction: float) -> int:
        """A cap height in pixels for ``fraction`` of the canvas height."""
        return max(6, round(fraction * self.scale * self.canvas[1]))

    @property
    def margin(self) -> int:
        return max(2, round(MARGIN * self.scale * self.canvas[1]))


def split_counter(counter: str) -> tuple[str, str]:
    """The counter's large part and the small line under it: "3/10" -> ("3", "of 10"),
    "12s" -> ("12", "seconds"), "0:42" -> ("0:42", "")."""
    done, slash, goal = counter.partition("/")
    if slash:
        return done.strip(), f"of {goal.strip()}"
    if re.fullmatch(r"\d+s", counter.strip()):
        return counter.strip()[:-1], "seconds"
    return counter.strip(), ""


def _counter_template(counter: str) -> str:
    """The widest the counter's large part gets in this entry: its digits as zeros, at least two
    ("9/10" and "10/10" both give "00": the panel must not widen, and the picture shrink, mid-set)."""
    big = re.sub(r"\d", "0", split_counter(counter)[0])
    return big if len(big) >= 2 else "00"


def overlay_layout(
    canvas_size: tuple[int, int], picture_size: tuple[int, int], compact: bool = False, counter: str = ""
) -> Layout:
    """The layout of a (width, height) canvas showing a picture of ``picture_size``: the picture as
    large as it fits (aspect kept) top left, the panel on the right (wide enough for ``counter``'s
    large part), the caption under the picture."""
    width, height = canvas_size
    pic_w, pic_h = picture_size
    if min(width, height, pic_w, pic_h) <= 0:
        raise ValueError(f"sizes: expected positive (width, height), got canvas {canvas_size}, picture {picture_size}")
    if compact:
        scale, panel_share, caption_share = COMPACT_SCALE, COMPACT_PANEL_W, COMPACT_CAPTION_H
        panel_w = round(panel_share * width)
    else:
        scale, caption_share = 1.0, CAPTION_MIN_H
        big = typeface(bold=False).width(_counter_template(counter), max(6, round(COUNTER_CAP * height)))
        needed = big + 2 * round(MARGIN * height)
        panel_w = round(min(max(needed, PANEL_MIN_W * width), PANEL_MAX_W * width))
    column_w = width - panel_w
    panel = Box(column_w, 0, panel_w, height)
    # The caption under the picture (a landscape picture), or beside it (a portrait one, e.g. a phone
    # held upright), whichever leaves the larger picture.
    below = min(column_w / pic_w, height * (1.0 - caption_share) / pic_h)
    beside = min((column_w - CAPTION_MIN_W * width) / pic_w, height / pic_h)
    if beside > below:
        shown_w, shown_h = max(1, round(pic_w * beside)), max(1, round(pic_h * beside))
        picture = Box(0, (height - shown_h) // 2, shown_w, shown_h)
        caption = Box(shown_w, 0, column_w - shown_w, height)
    else:
        shown_w, shown_h = max(1, round(pic_w * below)), max(1, round(pic_h * below))
        picture = Box((column_w - shown_w) // 2, 0, shown_w, shown_h)
        caption = Box(0, shown_h, column_w, height - shown_h)
    return Layout(canvas=(width, height), picture=picture, panel=panel, caption=caption, scale=scale)


def load_fonts() -> None:
    """Load the fonts now (tens of ms), before a session starts, rather than on its first frames."""
    for bold in (True, False):
        typeface(bold).glyphs("0", 40)


def blank_canvas(size: tuple[int, int]) -> np.ndarray:
    """A dark image of (width, height) to draw replayed landmarks on."""
    width, height = size
    return np.full((height, width, 3), 32, dtype=np.uint8)


def draw_overlay(
    image: np.ndarray,
    frame: PoseFrame,
    state: FrameState | None,
    text: OverlayText,
    canvas_size: tuple[int, int] | None = None,
) -> np.ndarray:
    """A new canvas of ``canvas_size`` (width, height; default the image's size) with ``image``
    (H, W, 3 BGR) scaled into it, the skeleton on the person, and the words around the picture."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image: expected (height, width, 3), got {image.shape}")
    height, width = image.shape[:2]
    flexed = bool(state and state.flexed)
    count = text.counter or (str(state.rep_count) if state else "0")
    layout = overlay_layout(canvas_size or (width, height), (width, height), text.compact, count)
    panel, caption, pic = layout.panel, layout.caption, layout.picture
    canvas = np.empty((layout.canvas[1], layout.canvas[0], 3), np.uint8)
    canvas[:, panel.x : panel.right] = _panel_image(
        layout, text.exercise, text.progress, text.status, text.hints, _back_status(state), flexed, count
    )
    if pic.w * pic.h + caption.w * caption.h != panel.x * layout.canvas[1]:  # the picture leaves bars
        canvas[:, : panel.x] = PANEL
    canvas[caption.y : caption.bottom, caption.x : caption.right] = _caption_image(layout, text.message, text.cue)
    # Linear, not area, interpolation even when shrinking: ~4x faster at 1280x720, and the picture
    # is only scaled by 0.5-1 where aliasing is slight.
    shown = image if (pic.w, pic.h) == (width, height) else cv2.resize(image, (pic.w, pic.h))
    canvas[pic.y : pic.bottom, pic.x : pic.right] = shown
    _draw_skeleton(canvas, pic, frame, flexed)
    return canvas


# The panel and the caption are cached apart: their words change a few times a second at most (the
# count, the cue), one without the other, while the picture changes every frame.


@functools.lru_cache(maxsize=4)
def _panel_image(
    layout: Layout, title: str, progress: str, status: str, hints: str, back_status: str, flexed: bool, count: str
) -> np.ndarray:
    image = np.empty((layout.panel.h, layout.panel.w, 3), np.uint8)
    image[:] = PANEL
    text = OverlayText(exercise=title, progress=progress, status=status, hints=hints)
    _draw_panel(image, layout, text, back_status, flexed, count)
    image.flags.writeable = False  # shared between calls
    return image


@functools.lru_cache(maxsize=4)
def _caption_image(layout: Layout, message: str, cue: str) -> np.ndarray:
    image = np.empty((layout.caption.h, layout.caption.w, 3), np.uint8)
    image[:] = PANEL
    _draw_caption(image, layout, OverlayText(exercise="", message=message, cue=cue))
    image.flags.writeable = False
    return image


def _draw_skeleton(canvas: np.ndarray, pic: Box, frame: PoseFrame, flexed: bool) -> None:
    """Joints, limbs and the trunk line on the person (the only drawing over the picture)."""
    if not frame.present:
        return
    view = canvas[pic.y : pic.bottom, pic.x : pic.right]
    unit = max(pic.w, pic.h) / 720.0
    px = frame.landmarks[:, :2] * np.array([pic.w, pic.h])
    for a, b in SKELETON_EDGES:
        if frame.visibility[a] >= DRAW_MIN_VISIBILITY and frame.visibility[b] >= DRAW_MIN_VISIBILITY:
            cv2.line(view, _pt(px[a]), _pt(px[b]), SKY, max(2, int(3 * unit)), cv2.LINE_AA)
    for lm in Landmark:
        if frame.visibility[lm] >= DRAW_MIN_VISIBILITY:
            cv2.circle(view, _pt(px[lm]), max(2, int(4 * unit)), WHITE, -1, cv2.LINE_AA)
    shoulder = (px[Landmark.LEFT_SHOULDER] + px[Landmark.RIGHT_SHOULDER]) / 2
    hip = (px[Landmark.LEFT_HIP] + px[Landmark.RIGHT_HIP]) / 2
    cv2.line(view, _pt(hip), _pt(shoulder), VERMILION if flexed else BLUE, max(4, int(9 * unit)), cv2.LINE_AA)
    if flexed:  # a shape as well as a colour: a warning triangle at the shoulders
        s = max(6, int(18 * unit))
        cx, cy = _pt(shoulder)
        tri = np.array([(cx, cy - 2 * s), (cx - s, cy - s // 2), (cx + s, cy - s // 2)], dtype=np.int32)
        cv2.fillPoly(view, [tri], VERMILION)
        cv2.line(view, (cx, cy - int(1.6 * s)), (cx, cy - int(0.95 * s)), WHITE, max(2, s // 5), cv2.LINE_AA)


class _Column:
    """Lines of text stacked downwards in a box, each wrapped to the box's width; stops at its bottom."""

    def __init__(self, canvas: np.ndarray, box: Box, margin: int) -> None:
        self.canvas, self.box, self.margin = canvas, box, margin
        self.y = box.y + margin  # top of the next line
        self.width = box.w - 2 * margin

    def room(self, cap_px: int) -> int:
        """How many more lines of ``cap_px`` fit."""
        return max(0, (self.box.bottom - self.margin - self.y - cap_px) // round(LINE_SPACING * cap_px) + 1)

    def lines(
        self,
        text: str,
        cap_px: int,
        color: tuple[int, int, int],
        face: Typeface,
        max_lines: int = 99,
        centred: bool = False,
    ) -> None:
        if not text:
            return
        lines = wrap(text, cap_px, self.width, face)
        limit = min(max_lines, self.room(cap_px))
        if len(lines) > limit:  # too long for its place: cut, and say so with an ellipsis
            lines = lines[:limit]
            if lines:
                lines[-1] = _fit_with_ellipsis(lines[-1], cap_px, self.width, face)
        for line in lines:
            x = self.box.x + (self.box.w - face.width(line, cap_px)) // 2 if centred else self.box.x + self.margin
            draw_text(self.canvas, line, x, self.y + cap_px, cap_px, color, face)
            self.y += round(LINE_SPACING * cap_px)

    def gap(self, cap_px: int) -> None:
        self.y += round(0.4 * cap_px)


def _draw_panel(
    canvas: np.ndarray, layout: Layout, text: OverlayText, back_status: str, flexed: bool, count: str
) -> None:
    """The side panel's words on ``canvas``, an image of the panel's size."""
    bold, regular = typeface(bold=True), typeface(bold=False)
    panel = Box(0, 0, layout.panel.w, layout.panel.h)
    column = _Column(canvas, panel, layout.margin)
    column.lines(text.exercise, layout.cap(TITLE_CAP), WHITE, bold, max_lines=2)
    column.lines(back_status, layout.cap(LINE_CAP), VERMILION if flexed else WHITE, bold, max_lines=1)
    done, under = split_counter(count)  # "3/10": a large 3 and "of 10" under it
    if done:
        cap = layout.cap(COUNTER_CAP)
        cap = min(cap, int(cap * column.width / max(1, regular.width(done, cap))))  # a long counter shrinks
        column.gap(layout.cap(LINE_CAP))
        x = panel.x + (panel.w - regular.width(done, cap)) // 2  # centred in the panel
        draw_text(canvas, done, x, column.y + cap, cap, ORANGE, regular)
        column.y += cap + round(0.2 * cap)
        column.lines(under, layout.cap(LINE_CAP), ORANGE, bold, max_lines=1, centred=True)
        column.gap(layout.cap(LINE_CAP))
    column.lines(text.progress, layout.cap(LINE_CAP), ORANGE, bold, max_lines=3)
    hints_cap = layout.cap(SMALL_CAP)
    hints = wrap(text.hints, hints_cap, column.width, regular) if text.hints else []
    hints_top = panel.bottom - layout.margin - round(LINE_SPACING * hints_cap) * len(hints)
    column.box = Box(panel.x, panel.y, panel.w, max(0, hints_top - panel.y))
    column.lines(text.status, hints_cap, GREY, regular, max_lines=4)
    baseline = hints_top + hints_cap
    for line in hints:
        draw_text(canvas, line, panel.x + layout.margin, baseline, hints_cap, GREY, regular)
        baseline += round(LINE_SPACING * hints_cap)


def _draw_caption(canvas: np.ndarray, layout: Layout, text: OverlayText) -> None:
    """The big message and the cue in large type on ``canvas``, an image of the caption's size."""
    bold = typeface(bold=True)
    column = _Column(canvas, Box(0, 0, layout.caption.w, layout.caption.h), layout.margin)
    message_cap = layout.cap(MESSAGE_CAP)
    if len(wrap(text.message, message_cap, column.width, bold)) > 2:  # a long one (the summary): smaller
        message_cap = layout.cap(CUE_CAP)
    column.lines(text.message, message_cap, WHITE, bold)
    if text.message and text.cue:
        column.gap(layout.cap(CUE_CAP))
    column.lines(text.cue, layout.cap(CUE_CAP), WHITE, bold)


def message_screen(
    base: np.ndarray, message: str, hints: str = "", *, dim: float = 0.3, compact: bool = False
) -> np.ndarray:
    """``base`` darkened (or a blank screen) with ``message`` large in the middle: the camera's
    status while there is no picture, so nothing of a person can be hidden."""
    out = (base * dim).astype(np.uint8)
    height, width = out.shape[:2]
    layout = overlay_layout((width, height), (width, height), compact)
    bold, regular = typeface(bold=True), typeface(bold=False)
    cap = layout.cap(MESSAGE_CAP)
    lines = wrap(message, cap, int(width * 0.85), bold)
    step = round(LINE_SPACING * cap)
    baseline = (height - step * len(lines)) // 2 + cap
    for line in lines:
        draw_text(out, line, (width - bold.width(line, cap)) // 2, baseline, cap, WHITE, bold)
        baseline += step
    if hints:
        small = layout.cap(SMALL_CAP)
        draw_text(out, hints, layout.margin, height - layout.margin, small, GREY, regular)
    return out


def _back_status(state: FrameState | None) -> str:
    """The word beside the trunk colour: never "OK" when the back could not be judged."""
    if state is None or not state.present:
        return "NO PERSON"
    if state.flexed:
        return "ROUNDING"
    if state.view.value not in JUDGED_VIEWS:
        return "BACK NOT CHECKED"
    return "BACK OK"


def _fit_with_ellipsis(line: str, cap_px: int, max_width_px: int, face: Typeface) -> str:
    ellipsis = "…" if face.truetype else "..."  # the Hershey font has no ellipsis glyph
    words = line.split()
    while words and face.width(" ".join(words) + ellipsis, cap_px) > max_width_px:
        words.pop()
    return " ".join(words) + ellipsis


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))
