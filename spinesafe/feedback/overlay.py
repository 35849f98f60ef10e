"""Visual overlay: skeleton, trunk line coloured by flexion state, rep counter, cue banner.

``draw_overlay(image, frame, state, ...) -> image`` draws on a copy; it never keeps frames.
Colours are from the Okabe-Ito colour-blind-safe palette, and every state also has a word
("BACK OK" / "ROUNDING"), so colour is never the only signal. Text sizes scale with the image
height so the counter reads from 2-3 m on a laptop screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from spinesafe.classifiers.analyser import FrameState
from spinesafe.feedback.result import JUDGED_VIEWS
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import SKELETON_EDGES, Landmark

# Okabe-Ito palette, BGR.
BLUE = (178, 114, 0)  # 0072B2
ORANGE = (0, 159, 230)  # E69F00
VERMILION = (0, 94, 213)  # D55E00
SKY = (233, 180, 86)  # 56B4E9
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (160, 160, 160)

# A joint is drawn from this MediaPipe visibility: lower than the classifiers' 0.5 (features.MIN_VISIBILITY),
# because a faint limb on screen helps the person see they are tracked, while a judgement needs a sure joint.
DRAW_MIN_VISIBILITY = 0.3


@dataclass(frozen=True)
class OverlayText:
    """The words shown beside the video: exercise name, the current cue, status.

    Live sessions add: ``counter`` (shown instead of the analyser's rep count, e.g. "3/10" or
    "0:42"), ``progress`` (set and rest progress, under the top band), ``message`` (a large
    centred message: calibration countdown, rest timer, PAUSED), ``hints`` (the keyboard keys,
    along the bottom) and ``compact`` (smaller bands that leave more of the video visible, for
    sharing the view in a video call).
    """

    exercise: str
    cue: str = ""
    status: str = ""
    counter: str = ""
    progress: str = ""
    message: str = ""
    hints: str = ""
    compact: bool = False


COMPACT_SCALE = 0.6  # text and bands in the compact (telehealth) layout, relative to the normal one


def blank_canvas(size: tuple[int, int]) -> np.ndarray:
    """A dark image of (width, height) to draw replayed landmarks on."""
    width, height = size
    return np.full((height, width, 3), 32, dtype=np.uint8)


def _text(
    img: np.ndarray, text: str, org: tuple[int, int], scale: float, color: tuple[int, int, int], thick: int
) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, BLACK, thick + 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


def draw_overlay(image: np.ndarray, frame: PoseFrame, state: FrameState | None, text: OverlayText) -> np.ndarray:
    """Return a copy of ``image`` (H, W, 3 BGR) with the overlay drawn."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image: expected (height, width, 3), got {image.shape}")
    out = image.copy()
    height, width = out.shape[:2]
    unit = max(height, width) / 720.0 * (COMPACT_SCALE if text.compact else 1.0)
    flexed = bool(state and state.flexed)
    if frame.present:
        px = frame.pixels()[:, :2]
        for a, b in SKELETON_EDGES:
            if frame.visibility[a] >= DRAW_MIN_VISIBILITY and frame.visibility[b] >= DRAW_MIN_VISIBILITY:
                cv2.line(out, _pt(px[a]), _pt(px[b]), SKY, max(2, int(3 * unit)), cv2.LINE_AA)
        for lm in Landmark:
            if frame.visibility[lm] >= DRAW_MIN_VISIBILITY:
                cv2.circle(out, _pt(px[lm]), max(2, int(4 * unit)), WHITE, -1, cv2.LINE_AA)
        shoulder = (px[Landmark.LEFT_SHOULDER] + px[Landmark.RIGHT_SHOULDER]) / 2
        hip = (px[Landmark.LEFT_HIP] + px[Landmark.RIGHT_HIP]) / 2
        trunk_color = VERMILION if flexed else BLUE
        cv2.line(out, _pt(hip), _pt(shoulder), trunk_color, max(4, int(9 * unit)), cv2.LINE_AA)
        if flexed:  # a shape as well as a colour: a warning triangle at the shoulders
            s = int(18 * unit)
            cx, cy = _pt(shoulder)
            tri = np.array([(cx, cy - 2 * s), (cx - s, cy - s // 2), (cx + s, cy - s // 2)], dtype=np.int32)
            cv2.fillPoly(out, [tri], VERMILION)
            _text(out, "!", (cx - int(4 * unit), cy - int(s * 0.7)), 0.8 * unit, WHITE, max(1, int(2 * unit)))
    # Top band: exercise and big rep counter.
    band = int(90 * unit)
    cv2.rectangle(out, (0, 0), (width, band), BLACK, -1)
    _text(out, text.exercise, (int(12 * unit), int(38 * unit)), 1.0 * unit, WHITE, max(1, int(2 * unit)))
    thick = max(1, int(2 * unit))
    _text(out, _back_status(state), (int(12 * unit), int(76 * unit)), 0.8 * unit, VERMILION if flexed else WHITE, thick)
    count = text.counter or (str(state.rep_count) if state else "0")
    (tw, _), _ = cv2.getTextSize(count, cv2.FONT_HERSHEY_SIMPLEX, 2.4 * unit, max(2, int(5 * unit)))
    _text(out, count, (width - tw - int(16 * unit), int(78 * unit)), 2.4 * unit, ORANGE, max(2, int(5 * unit)))
    # Bottom: keyboard hints in a thin strip, and above it the current cue, large.
    bottom = height
    if text.hints:
        strip = int(30 * unit)
        bottom = height - strip
        cv2.rectangle(out, (0, bottom), (width, height), BLACK, -1)
        _text(out, text.hints, (int(12 * unit), height - int(9 * unit)), 0.55 * unit, GREY, max(1, int(unit)))
    if text.cue:
        lines = _wrap(text.cue, width - int(24 * unit), 0.9 * unit, thick)
        line_h = int(40 * unit)
        top = bottom - band - line_h * (len(lines) - 1)
        cv2.rectangle(out, (0, top), (width, bottom), BLACK, -1)
        for i, line in enumerate(lines):
            _text(out, line, (int(12 * unit), top + int(band / 2 + 12 * unit) + i * line_h), 0.9 * unit, WHITE, thick)
    below_band = band
    if text.progress:
        strip = int(40 * unit)
        cv2.rectangle(out, (0, band), (width, band + strip), BLACK, -1)
        _text(out, text.progress, (int(12 * unit), band + int(28 * unit)), 0.75 * unit, ORANGE, thick)
        below_band = band + strip
    if text.status:
        for i, line in enumerate(_wrap(text.status, width - int(24 * unit), 0.6 * unit, 1)[:2]):
            _text(out, line, (int(12 * unit), below_band + int((30 + 26 * i) * unit)), 0.6 * unit, GREY, 1)
    if text.message:
        _centred_message(out, text.message, unit)
    return out


def _centred_message(img: np.ndarray, message: str, unit: float) -> None:
    """A large message in the middle of the image on a dark box (readable from 2-3 m)."""
    height, width = img.shape[:2]
    scale, thick = 1.5 * unit, max(2, int(3 * unit))
    lines = _wrap(message, int(width * 0.85), scale, thick)
    line_h = int(62 * unit)
    sizes = [cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)[0] for line in lines]
    box_w = max(w for w, _ in sizes) + int(40 * unit)
    box_h = line_h * len(lines) + int(30 * unit)
    x0, y0 = (width - box_w) // 2, (height - box_h) // 2
    region = img[max(0, y0) : y0 + box_h, max(0, x0) : x0 + box_w]
    region[:] = (region * 0.25).astype(np.uint8)  # darkened, the person still faintly visible
    for i, (line, (w, _)) in enumerate(zip(lines, sizes, strict=True)):
        baseline = y0 + int(15 * unit) + line_h * (i + 1) - int(14 * unit)
        _text(img, line, ((width - w) // 2, baseline), scale, WHITE, thick)


def _back_status(state: FrameState | None) -> str:
    """The word beside the trunk colour: never "OK" when the back could not be judged."""
    if state is None or not state.present:
        return "NO PERSON"
    if state.flexed:
        return "ROUNDING"
    if state.view.value not in JUDGED_VIEWS:
        return "BACK NOT CHECKED"
    return "BACK OK"


def _wrap(text: str, max_width_px: int, scale: float, thick: int) -> list[str]:
    """Split ``text`` into lines that fit ``max_width_px`` at this font scale."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        (w, _), _ = cv2.getTextSize(trial, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        if w > max_width_px and current:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current] if current else lines


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))
