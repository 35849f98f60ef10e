"""Text drawn at a given cap height in pixels: DejaVu Sans through Pillow, or OpenCV's Hershey font.

OpenCV's Hershey fonts are thin stroke fonts that blur into lines from a few metres away; a
TrueType sans-serif is what the person reads from 2-3 m. DejaVu Sans is looked for in the Debian
package ``fonts-dejavu-core`` (in the Makefile's system packages) and in matplotlib's own copy
(matplotlib comes with mediapipe, so every install has one). Without either, or without Pillow,
text falls back to Hershey with one warning in the log, never a crash.

Sizes are cap heights (the height of "H") so that a layout can say "at least 1/20 of the screen"
and mean the pixels a person sees. Rendered words are cached: the same counter and cue are drawn
on every frame.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

log = logging.getLogger(__name__)

SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian/Ubuntu fonts-dejavu-core
REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"
_CACHED_WORDS = 256  # rendered (text, size) pairs kept per face: a session shows a few dozen


def _matplotlib_font_dir() -> Path | None:
    """matplotlib's bundled TrueType folder, found without importing matplotlib (slow to import)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def font_candidates(file_name: str) -> list[Path]:
    """Where ``file_name`` is looked for, first found wins."""
    dirs = [SYSTEM_FONT_DIR, _matplotlib_font_dir()]
    return [d / file_name for d in dirs if d is not None]


@dataclass(frozen=True)
class Glyphs:
    """A rendered string: ``alpha`` (h, w) uint8 coverage, placed ``left`` px right of the pen and
    ``top`` px below the baseline (negative: above it); ``advance`` is the width the string takes."""

    alpha: np.ndarray
    left: int
    top: int
    advance: int


class Typeface:
    """One font face drawn at cap heights in pixels. ``path=None`` (or a file Pillow cannot load)
    uses OpenCV's Hershey simplex font; ``truetype`` says which one is in use."""

    def __init__(self, path: Path | None) -> None:
        self._pil_font: Any = None
        self.path: Path | None = None
        if path is not None:
            try:
                from PIL import ImageFont

                ImageFont.truetype(str(path), 100)  # fails here, not on the first frame
                self._pil_font = ImageFont.truetype
                self.path = path
            except (ImportError, OSError) as exc:
                log.warning("cannot load the font %s (%s); using OpenCV's built-in font", path, exc)
        self.truetype = self.path is not None
        self._cap_em = self._measure_cap_em()
        self._font_at = functools.lru_cache(maxsize=32)(self._load)
        self.glyphs = functools.lru_cache(maxsize=_CACHED_WORDS)(self._render)
        self.width = functools.lru_cache(maxsize=8 * _CACHED_WORDS)(self._measure)

    @property
    def name(self) -> str:
        return self.path.stem if self.path is not None else "Hershey simplex (fallback)"

    def _load(self, size: int) -> Any:
        return self._pil_font(str(self.path), size)

    def _measure_cap_em(self) -> float:
        """Cap height per unit of font size (per unit of Hershey scale)."""
        if self._pil_font is not None:
            _, top, _, bottom = self._pil_font(str(self.path), 1000).getbbox("H", anchor="ls")
            return (bottom - top) / 1000.0
        (_, height), _ = cv2.getTextSize("H", cv2.FONT_HERSHEY_SIMPLEX, 1.0, 1)
        return float(height)

    def _measure(self, text: str, cap_px: int) -> int:
        """How wide ``text`` is at ``cap_px`` (its advance, in pixels), without rendering it: wrapping
        a sentence tries many prefixes, and rendering each took ~0.5 s per new sentence at 1080p."""
        cap_px = max(1, int(cap_px))
        if self._pil_font is None:
            scale, thick = self._hershey(cap_px)
            return int(cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)[0][0])
        return round(self._font_at(max(1, round(cap_px / self._cap_em))).getlength(text))

    def _render(self, text: str, cap_px: int) -> Glyphs:
        cap_px = max(1, int(cap_px))
        if self._pil_font is None:
            return self._render_hershey(text, cap_px)
        from PIL import Image, ImageDraw

        font = self._font_at(max(1, round(cap_px / self._cap_em)))
        advance = round(font.getlength(text))
        x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
        if x1 <= x0 or y1 <= y0:  # blank text
            return Glyphs(np.zeros((0, 0), np.uint8), 0, 0, advance)
        image = Image.new("L", (x1 - x0, y1 - y0), 0)
        ImageDraw.Draw(image).text((-x0, -y0), text, font=font, fill=255, anchor="ls")
        return Glyphs(np.asarray(image), x0, y0, advance)

    def _hershey(self, cap_px: int) -> tuple[float, int]:
        """(scale, thickness) for a cap height: a heavy stroke (the thin default is unreadable when
        large), whose width adds to the glyph's height."""
        thick = max(1, round(cap_px / 7))
        return max(1, cap_px - thick) / self._cap_em, thick

    def _render_hershey(self, text: str, cap_px: int) -> Glyphs:
        scale, thick = self._hershey(cap_px)
        (width, height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        pad = thick
        alpha = np.zeros((height + baseline + 2 * pad, width + 2 * pad), np.uint8)
        cv2.putText(alpha, text, (pad, height + pad), cv2.FONT_HERSHEY_SIMPLEX, scale, (255,), thick, cv2.LINE_AA)
        return Glyphs(alpha, -pad, -(height + pad), width)


def find_font(file_name: str) -> Path | None:
    return next((p for p in font_candidates(file_name) if p.is_file()), None)


@functools.cache
def typeface(bold: bool = True) -> Typeface:
    """The shared DejaVu Sans (bold) face, or the Hershey fallback with one warning."""
    file_name = BOLD_FILE if bold else REGULAR_FILE
    path = find_font(file_name)
    if path is None:
        looked = ", ".join(str(p) for p in font_candidates(file_name))
        log.warning(
            "no TrueType font %s (looked in %s); on-screen text uses OpenCV's thin built-in font, "
            "harder to read from a distance: install fonts-dejavu-core",
            file_name,
            looked,
        )
    return Typeface(path)


def draw_text(
    canvas: np.ndarray, text: str, x: int, baseline: int, cap_px: int, color: tuple[int, int, int], face: Typeface
) -> int:
    """Draw ``text`` with its pen at (``x``, ``baseline``) on ``canvas`` (H, W, 3 BGR), clipped to it.

    Returns the advance (width) of the text in pixels.
    """
    glyphs = face.glyphs(text, int(cap_px))
    alpha = glyphs.alpha
    if alpha.size == 0:
        return glyphs.advance
    height, width = canvas.shape[:2]
    x0, y0 = x + glyphs.left, baseline + glyphs.top
    cx0, cy0 = max(0, x0), max(0, y0)
    cx1, cy1 = min(width, x0 + alpha.shape[1]), min(height, y0 + alpha.shape[0])
    if cx1 <= cx0 or cy1 <= cy0:
        return glyphs.advance
    a = alpha[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0, None].astype(np.float32) * (1.0 / 255.0)
    region = canvas[cy0:cy1, cx0:cx1]
    region[:] = (region + (np.asarray(color, np.float32) - region) * a + 0.5).astype(np.uint8)
    return glyphs.advance


def wrap(text: str, cap_px: int, max_width_px: int, face: Typeface) -> list[str]:
    """Split ``text`` at spaces into lines no wider than ``max_width_px`` (a longer word keeps its line)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and face.width(trial, cap_px) > max_width_px:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current] if current else lines
