"""Shared fixtures: a real photograph of a person (shipped by matplotlib) and short videos made from it.

Videos are session-scoped because every MediaPipe frame costs ~35 ms; keep them short.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from matplotlib import cbook

from spinesafe.cli import main
from spinesafe.feedback.video import Mp4Writer

FPS = 30.0
N_FRAMES = 45


# The packaged recogniser, whatever model this machine's environment names instead.
os.environ.pop("SPINESAFE_RECOGNISER_MODEL", None)


@pytest.fixture(scope="session")
def photo_path() -> Path:
    """Grace Hopper's portrait (512x600, facing the camera), from matplotlib's sample data."""
    path = Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    assert path.is_file(), path
    return path


@pytest.fixture(scope="session")
def photo(photo_path: Path) -> np.ndarray:
    """(600, 512, 3) uint8 BGR."""
    image = cv2.imread(str(photo_path))
    assert image is not None and image.shape == (600, 512, 3)
    return image


@pytest.fixture(scope="session")
def person_frames(photo: np.ndarray) -> list[np.ndarray]:
    """N_FRAMES copies of the photo, each shifted by a few pixels so that no two neighbours are equal."""
    height, width = photo.shape[:2]
    frames = []
    for i in range(N_FRAMES):
        shift = np.float32([[1, 0, (i % 10) - 5], [0, 1, (i % 6) - 3]])
        frames.append(cv2.warpAffine(photo, shift, (width, height), borderMode=cv2.BORDER_REPLICATE))
    return frames


@pytest.fixture(scope="session")
def person_video(tmp_path_factory: pytest.TempPathFactory, person_frames: list[np.ndarray]) -> Path:
    """The person frames as an H.264 MP4 written by spinesafe's own writer (moov atom at the end)."""
    path = tmp_path_factory.mktemp("videos") / "person.mp4"
    height, width = person_frames[0].shape[:2]
    with Mp4Writer(path, FPS, (width, height)) as writer:
        for frame in person_frames:
            writer.write(frame)
    return path


@pytest.fixture(scope="session")
def faststart_video(tmp_path_factory: pytest.TempPathFactory, person_frames: list[np.ndarray]) -> Path:
    """The person frames as a phone-style MP4: index (moov) first and a keyframe every 5 frames.

    With the index first, a file cut short still opens; with frequent keyframes its bytes are
    spread over the frames, so cutting at 60% of the bytes keeps roughly half the frames.
    """
    path = tmp_path_factory.mktemp("videos") / "faststart.mp4"
    height, width = person_frames[0].shape[:2]
    with av.open(str(path), mode="w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(int(FPS)))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": "5", "preset": "veryfast"}
        for image in person_frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _cut_copy(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


@pytest.fixture(scope="session")
def cut_copy() -> Callable[[Path, Path, float], Path]:
    """``cut_copy(src, dst, fraction)`` copies the first ``fraction`` of the bytes (a download cut short)."""
    return _cut_copy


@pytest.fixture(scope="session")
def truncated_video(tmp_path_factory: pytest.TempPathFactory, faststart_video: Path) -> Path:
    """The faststart video cut at 60% of its bytes."""
    return _cut_copy(faststart_video, tmp_path_factory.mktemp("videos") / "truncated.mp4", 0.6)


@pytest.fixture(scope="session", autouse=True)
def private_session_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every session a test runs is stored in a temporary database, never in the user's history."""
    path = tmp_path_factory.mktemp("history") / "sessions.db"
    saved = os.environ.get("SPINESAFE_DB")
    os.environ["SPINESAFE_DB"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("SPINESAFE_DB", None)
    else:
        os.environ["SPINESAFE_DB"] = saved


CHROMIUM = "/usr/bin/chromium"  # Debian's package (apt-get install chromium); never `playwright install`
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class RenderedPage:
    """What a real browser made of a local HTML file."""

    title: str
    text: str
    problems: list[str]  # console errors and warnings, page errors, failed requests
    requests: list[str]  # every URL the page asked for (itself included)
    images: list[dict[str, object]]  # per <img>: ok (loaded with a size), width, alt
    headings: list[str]  # the <h2> texts
    table_rows: int


@pytest.fixture(scope="session")
def render_in_browser() -> Callable[[Path], RenderedPage]:
    """``render_in_browser(path)`` opens a local HTML file in headless Chromium (driven by playwright);
    skips the test, saying why, when Chromium or playwright is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium): the browser check cannot run")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

    def render(path: Path) -> RenderedPage:
        problems: list[str] = []
        requests: list[str] = []
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on("requestfailed", lambda r: problems.append(f"failed: {r.url[:80]}"))
                page.on("request", lambda r: requests.append(r.url))
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                return RenderedPage(
                    title=page.title(),
                    text=page.inner_text("body"),
                    problems=problems,
                    requests=requests,
                    images=page.eval_on_selector_all(
                        "img",
                        "els => els.map(e => ({ok: e.complete && e.naturalWidth > 0,"
                        " width: e.naturalWidth, alt: e.alt}))",
                    ),
                    headings=page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)"),
                    table_rows=page.eval_on_selector_all("table tbody tr", "els => els.length"),
                )
            finally:
                browser.close()

    return render


# A JPEG starts FF D8 FF; inside other bytes, a JPEG as OpenCV or a camera writes it has its APP0 JFIF
# or APP1 Exif header next (FF D8 FF alone turns up by chance in audio samples).
JPEG_START = b"\xff\xd8\xff"
EMBEDDED_JPEG = re.compile(rb"\xff\xd8\xff[\xe0\xe1]..(?:JFIF|Exif)", re.DOTALL)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"  # 8 bytes: never by chance


def pictures_of_the_person(folder: Path) -> list[str]:
    """Every file under ``folder`` holding a picture that could show the person: a JPEG or PNG file,
    JPEG or PNG bytes inside another file, an MP4 video, or a JPEG embedded in HTML
    (``data:image/jpeg``, or base64 JPEG bytes, which start ``/9j/``). PNG plots embedded in HTML as
    base64 (``data:image/png``) are plots of numbers, and allowed."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data.startswith(JPEG_START) or EMBEDDED_JPEG.search(data) or PNG_SIGNATURE in data:
            found.append(f"{path.name}: JPEG or PNG bytes")
        if data[4:8] == b"ftyp":
            found.append(f"{path.name}: a video")
        if b"data:image/jpeg" in data or b"base64,/9j/" in data:
            found.append(f"{path.name}: an embedded JPEG")
    return found


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> CliRun:
    """``main(args)`` with stdout and stderr captured (for module-scoped fixtures, where capsys is not available)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse exits for --help and usage errors
            code = int(exc.code or 0)
    return CliRun(code, out.getvalue(), err.getvalue())
