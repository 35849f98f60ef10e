"""`VideoFileSource` on phone-style files: pictures turned upright by the display matrix, and times
taken from each frame's presentation timestamp when the frame rate varies."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from spinesafe.feedback.overlay import overlay_layout
from spinesafe.pose.camera import CameraStatus, FileCamera
from spinesafe.pose.estimators import MediaPipePoseEstimator
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark
from spinesafe.pose.recording import load_recording, record_video, save_recording
from spinesafe.pose.sources import VideoFileSource, VideoFrame
from spinesafe.session.review import run_review

TICK = Fraction(1, 6000)  # s; whole ticks hold the frame periods of 20, 25, 30, 40, 50 and 60 fps exactly

# The stored picture is the upright one turned back against the display rotation (clockwise degrees).
_STORE = {0: None, 90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def write_clip(
    path: Path, upright: Sequence[np.ndarray], *, turn_cw_deg: int = 0, ticks: Sequence[int] | None = None
) -> Path:
    """An H.264 MP4 of ``upright`` BGR frames, stored as a phone stores them.

    ``turn_cw_deg``: the display matrix says "turn the stored picture this many degrees clockwise
    to show it" (a phone held upright writes 90), and the pixels are stored turned the other way,
    so a player that obeys the matrix shows ``upright``. ``ticks``: each frame's presentation
    time in :data:`TICK` units (default 30 fps).
    """
    store = _STORE[turn_cw_deg]
    stored = [frame if store is None else cv2.rotate(frame, store) for frame in upright]
    ticks = list(ticks) if ticks is not None else [200 * i for i in range(len(upright))]
    height, width = stored[0].shape[:2]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = TICK
        stream.options = {"crf": "18", "preset": "veryfast"}
        if turn_cw_deg:
            # PyAV counts counter-clockwise; FFmpeg's mp4 muxer writes this as the track's matrix.
            # (The old "rotate" metadata tag is ignored by the FFmpeg 8 PyAV ships with.)
            stream.set_display_rotation(-turn_cw_deg)
        for image, tick in zip(stored, ticks, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            frame.pts, frame.time_base = tick, TICK
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def stored_frames(path: Path) -> tuple[list[np.ndarray], list[float], int]:
    """What the file holds, read with PyAV and not turned: BGR pictures, PTS in seconds (from
    the stream's start) and the display rotation PyAV reads (counter-clockwise degrees)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = stream.start_time or 0
        frames = list(container.decode(stream))
        return (
            [f.to_ndarray(format="bgr24") for f in frames],
            [float((f.pts - start) * f.time_base) for f in frames],
            frames[0].rotation,
        )


WIDTH, HEIGHT = 96, 128  # an upright portrait picture
WHITE, GREEN = (255, 255, 255), (0, 255, 0)


def _marked(i: int) -> np.ndarray:
    """Dark picture with a white square top-left and a green one top-right: any turn or mirror
    moves at least one of them out of its corner."""
    image = np.full((HEIGHT, WIDTH, 3), 40 + 3 * i, dtype=np.uint8)
    image[4:28, 4:28] = WHITE
    image[4:28, WIDTH - 28 : WIDTH - 4] = GREEN
    return image


def _corner_colours(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mean BGR of the 16x16 patch inside each corner: top-left, top-right, bottom-left, bottom-right."""
    h, w = image.shape[:2]
    patches = [
        image[8:24, 8:24],
        image[8:24, w - 24 : w - 8],
        image[h - 24 : h - 8, 8:24],
        image[h - 24 : h - 8, w - 24 : w - 8],
    ]
    tl, tr, bl, br = (p.reshape(-1, 3).mean(axis=0) for p in patches)
    return tl, tr, bl, br


def _read(path: Path) -> tuple[VideoFileSource, list[VideoFrame]]:
    source = VideoFileSource(path)
    try:
        return source, list(source)
    finally:
        source.close()


@pytest.mark.parametrize("turn_cw_deg", [90, 270, 180])
def test_display_matrix_turns_the_pictures_upright(tmp_path: Path, turn_cw_deg: int) -> None:
    upright = [_marked(i) for i in range(6)]
    path = write_clip(tmp_path / f"turn{turn_cw_deg}.mp4", upright, turn_cw_deg=turn_cw_deg)
    stored, _, pyav_ccw = stored_frames(path)
    # The file is what a phone writes: the pixels are not upright, the matrix says how to turn them.
    assert pyav_ccw % 360 == (-turn_cw_deg) % 360
    assert stored[0].shape != upright[0].shape or np.abs(stored[0].astype(int) - upright[0]).mean() > 10

    source, frames = _read(path)

    assert source.rotation_deg == turn_cw_deg
    assert len(frames) == 6
    for frame, sent in zip(frames, upright, strict=True):
        assert frame.size == (WIDTH, HEIGHT)
        assert np.abs(frame.image.astype(int) - sent).mean() < 6.0  # lossy H.264 and a colour round trip
    tl, tr, bl, br = _corner_colours(frames[0].image)
    np.testing.assert_allclose(tl, WHITE, atol=12)
    np.testing.assert_allclose(tr, GREEN, atol=12)
    assert max(bl.max(), br.max()) < 80  # the dark background


def test_video_without_display_matrix_is_left_as_stored(tmp_path: Path) -> None:
    landscape = [np.ascontiguousarray(np.rot90(_marked(i))) for i in range(3)]  # landscape pixels, no matrix
    source, frames = _read(write_clip(tmp_path / "plain.mp4", landscape))
    assert source.rotation_deg == 0
    assert [f.size for f in frames] == [(HEIGHT, WIDTH)] * 3
    assert np.abs(frames[1].image.astype(int) - landscape[1]).mean() < 6.0


def test_file_camera_plays_a_turned_video_upright(tmp_path: Path) -> None:
    """`spinesafe live --camera FILE.mp4` goes through the same source."""
    path = write_clip(tmp_path / "phone.mp4", [_marked(i) for i in range(5)], turn_cw_deg=90)
    camera = FileCamera(path, speed=4.0)
    camera.start()
    frames = []
    while (frame := camera.read(2.0)) is not None or camera.status is not CameraStatus.ENDED:
        if frame is not None:
            frames.append(frame)
    camera.close()
    assert frames and {f.size for f in frames} == {(WIDTH, HEIGHT)}
    np.testing.assert_allclose(_corner_colours(frames[-1].image)[0], WHITE, atol=12)


# A phone's variable frame rate: 20 and 40 fps alternating, a 0.4 s stall, then 30 fps.
VFR_TICKS = list(np.cumsum([0] + [300, 150] * 6 + [2400] + [300, 150] * 3 + [200] * 4))


def test_variable_frame_rate_times_are_the_presentation_timestamps(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "vfr.mp4", [_marked(i) for i in range(len(VFR_TICKS))], ticks=VFR_TICKS)
    written = [t / 6000 for t in VFR_TICKS]
    _, stored_s, _ = stored_frames(path)
    np.testing.assert_allclose(stored_s, written, atol=1e-9)  # the file really is variable-rate

    _, frames = _read(path)

    assert [f.index for f in frames] == list(range(len(written)))
    np.testing.assert_allclose([f.t_s for f in frames], written, atol=1e-6)
    # The brightness ramp shows each picture arrives with its own time (no frame dropped or repeated).
    # (The colour round trip shifts every level alike by a few steps: compare against the first.)
    levels = np.array([float(np.median(f.image[HEIGHT // 2 :, :])) for f in frames])
    np.testing.assert_allclose(levels - levels[0], 3 * np.arange(len(written)), atol=1.5)


class _NoPerson:
    """An estimator that finds nobody: only the frames' times and sizes go through."""

    name = "nobody"

    def estimate(self, frame: VideoFrame) -> PoseFrame:
        return PoseFrame.absent(frame.t_s, frame.index, frame.size)

    def close(self) -> None:
        pass


def test_landmark_recording_keeps_the_variable_frame_times(tmp_path: Path) -> None:
    """`spinesafe record` and the eval's landmark extraction: video -> poses -> .npz -> poses."""
    path = write_clip(tmp_path / "vfr.mp4", [_marked(i) for i in range(len(VFR_TICKS))], ticks=VFR_TICKS)
    recording = record_video(path, estimator=_NoPerson())
    saved = save_recording(
        tmp_path / "vfr.npz", recording, source=recording.source, estimator=recording.estimator, fps=recording.fps
    )
    loaded = load_recording(saved)
    assert [f.t_s for f in loaded] == pytest.approx([t / 6000 for t in VFR_TICKS], abs=1e-6)
    assert [f.index for f in loaded] == list(range(len(VFR_TICKS)))


def test_mediapipe_is_stamped_with_the_real_frame_times(tmp_path: Path, person_frames: list[np.ndarray]) -> None:
    """MediaPipe's tracking smooths over time: it must see the true gaps, strictly increasing."""
    ticks = VFR_TICKS[10:20]  # 20/40 fps, the 0.4 s stall, 20/40 fps
    path = write_clip(tmp_path / "person_vfr.mp4", person_frames[: len(ticks)], ticks=ticks)
    estimator = MediaPipePoseEstimator()  # record_video closes it
    stamps_us: list[int] = []
    solution = estimator._pose
    process = solution.process

    def stamped(image: np.ndarray) -> object:
        result = process(image)
        # mediapipe 0.10.21's SolutionBase stamps the image packet with this counter (pinned version).
        stamps_us.append(solution._simulated_timestamp)
        return result

    solution.process = stamped
    recording = record_video(path, estimator=estimator)

    # This stream starts at its first frame's time (0.375 s): times count from the stream's start.
    times = [(t - ticks[0]) / 6000 for t in ticks]
    assert [p.t_s for p in recording] == pytest.approx(times, abs=1e-6)
    assert all(p.present for p in recording)
    assert stamps_us == [round(p.t_s * 1e6) for p in recording]
    assert all(b > a for a, b in itertools.pairwise(stamps_us))


@pytest.mark.slow
def test_mediapipe_finds_the_person_upright_in_a_turned_phone_video(
    tmp_path: Path, person_frames: list[np.ndarray]
) -> None:
    """Real MediaPipe on a portrait clip stored sideways gives the poses of the upright clip."""
    frames = person_frames[:8]
    height, width = frames[0].shape[:2]
    upright = record_video(write_clip(tmp_path / "upright.mp4", frames))
    phone = record_video(write_clip(tmp_path / "phone.mp4", frames, turn_cw_deg=90))

    assert all(p.present for p in phone) and all(p.present for p in upright)
    for turned, plain in zip(phone, upright, strict=True):
        assert turned.image_size == (width, height)
        nose, shoulders = turned.pixel(Landmark.NOSE), turned.pixel(Landmark.LEFT_SHOULDER)
        assert nose[1] < shoulders[1], "head above the shoulders"
        for landmark in (Landmark.NOSE, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER):
            # The two files decode to nearly the same pixels (lossy, turned): a few pixels apart.
            assert np.linalg.norm(turned.pixel(landmark)[:2] - plain.pixel(landmark)[:2]) < 8.0


def test_review_of_a_turned_phone_video_writes_an_upright_annotated_video(tmp_path: Path) -> None:
    """The annotated video is drawn on the upright pictures and carries no display matrix of its own."""
    width, height = 360, 640  # a phone's portrait shape, small

    def marked(i: int) -> np.ndarray:  # white and green blocks in the top corners
        image = np.full((height, width, 3), 40 + i, dtype=np.uint8)
        image[100:220, :120] = WHITE
        image[100:220, width - 120 :] = GREEN
        return image

    phone = write_clip(tmp_path / "phone.mp4", [marked(i) for i in range(10)], turn_cw_deg=90)
    outputs = run_review(phone, "squat", out_dir=tmp_path / "out", estimator=_NoPerson())

    assert outputs.video_path is not None
    pictures, _, rotation = stored_frames(outputs.video_path)
    assert rotation == 0 and len(pictures) == 10
    layout = overlay_layout((width, height), (width, height))  # the picture is scaled into the overlay's
    pic, scale = layout.picture, layout.picture.w / width

    def block(frame: np.ndarray, x0: int, x1: int) -> np.ndarray:  # rows 140-200 of the upright picture
        rows = slice(pic.y + round(140 * scale), pic.y + round(200 * scale))
        return frame[rows, pic.x + round(x0 * scale) : pic.x + round(x1 * scale)].reshape(-1, 3).mean(axis=0)

    for picture in pictures:
        assert picture.shape == (height, width, 3)
        np.testing.assert_allclose(block(picture, 20, 100), WHITE, atol=12)
        np.testing.assert_allclose(block(picture, width - 100, width - 20), GREEN, atol=12)
        assert picture[:, layout.panel.x :].mean() < 80


def test_the_annotated_video_of_a_variable_rate_clip_keeps_each_frames_time(tmp_path: Path) -> None:
    # The cue sound is laid at the frames' real times; the pictures must be shown at them too, or
    # the overlay drifts from the sound around a stall (0.175 s in this clip at a constant rate).
    path = write_clip(tmp_path / "vfr.mp4", [_marked(i) for i in range(len(VFR_TICKS))], ticks=VFR_TICKS)
    outputs = run_review(path, "squat", out_dir=tmp_path / "out", estimator=_NoPerson())
    assert outputs.video_path is not None
    _, times, _ = stored_frames(outputs.video_path)
    assert times == pytest.approx([t / 6000 for t in VFR_TICKS], abs=1e-4)
