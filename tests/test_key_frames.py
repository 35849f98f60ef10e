"""Report key frames are the frames their captions name (issue 14, point 7): the turning point of
the widest rep and the peak of each back-rounding event, each with the overlay of that moment.

The video is real (encoded, decoded, drawn on, the key frames JPEG-encoded) and every picture carries
its own frame number as a bar code down its left edge, so the key frame's picture says which frame
it is. Poses come from a synthetic motion by frame index (the pose model is not the point here).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from spinesafe.feedback.overlay import Box, overlay_layout
from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.video import Mp4Writer
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, squat_reps, standing
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.sources import VideoFrame
from spinesafe.session.review import run_review

FPS = 30.0
SIZE = (320, 240)
BITS = 9  # up to 512 frames
BAR_X, BAR_W, BAR_TOP, BAR_H = 4, 24, 48, 13  # the bar code: one 24x13 px block per bit, top down


class PosesByFrame:
    name = "synthetic-by-frame"

    def __init__(self, poses: list[PoseFrame]) -> None:
        self.poses = poses

    def estimate(self, frame: VideoFrame) -> PoseFrame:
        return replace(self.poses[frame.index], t_s=frame.t_s, image_size=frame.size)

    def close(self) -> None:
        pass


def numbered(index: int) -> np.ndarray:
    image = np.full((SIZE[1], SIZE[0], 3), 110, np.uint8)
    for bit in range(BITS):
        top = BAR_TOP + bit * BAR_H
        shade = 255 if index >> bit & 1 else 0
        image[top + 2 : top + BAR_H - 2, BAR_X : BAR_X + BAR_W] = shade
    return image


def frame_number(jpeg: bytes, annotated: bool = True) -> int:
    """The number on a picture: a key frame (``annotated``: the picture scaled into the overlay's
    layout, beside its panel), or a plain frame."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    pic = overlay_layout(SIZE, SIZE).picture if annotated else Box(0, 0, *SIZE)
    scale = image.shape[1] / SIZE[0]  # a key frame may be scaled as a whole
    number = 0
    for bit in range(BITS):
        y = int((pic.y + (BAR_TOP + bit * BAR_H + BAR_H / 2) * pic.h / SIZE[1]) * scale)
        x = int((pic.x + (BAR_X + BAR_W / 2) * pic.w / SIZE[0]) * scale)
        if image[y - 2 : y + 3, x - 2 : x + 3].mean() > 128:
            number |= 1 << bit
    return number


# The motion starts 0 to 3 frames later, with other landmark jitter: pictures kept at a fixed pace
# (every 3-4 frames) cannot land on every one of the peaks.
@pytest.fixture(scope="module", params=[0, 1, 2, 3], ids=["lead-0", "lead-1", "lead-2", "lead-3"])
def reviewed(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> SessionResult:
    keyframes = chain(
        standing(1.0 + request.param / FPS),
        squat_reps(2, period_s=2.9),
        hip_hinge_reps(1, period_s=3.7, rounded=True, rounded_curl_deg=45.0),
        standing(1.0),
    )
    view = CameraView.SIDE_FACING_LEFT
    poses = animate(keyframes, fps=FPS, view=view, image_size=SIZE, jitter_px=0.4, seed=7 + request.param)
    folder = tmp_path_factory.mktemp("key_frames")
    video = folder / "numbered.mp4"
    with Mp4Writer(video, FPS, SIZE) as writer:
        for i in range(len(poses)):
            writer.write(numbered(i))
    outputs = run_review(video, "squat", out_dir=folder / "out", estimator=PosesByFrame(poses))
    return outputs.result


def test_the_bar_code_reads_back_through_the_video_and_the_jpeg() -> None:
    ok, data = cv2.imencode(".jpg", cv2.resize(numbered(301), (640, 480)), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok and frame_number(data.tobytes(), annotated=False) == 301


def test_each_flexion_key_frame_is_the_frame_of_its_peak(reviewed: SessionResult) -> None:
    assert reviewed.flexion_events, "the rounded hinge is a flexion event"
    for event in reviewed.flexion_events:
        [key] = [k for k in reviewed.key_frames if k.label.startswith(f"Back rounding at {event.peak_s:.1f} s")]
        assert key.t_s == event.peak_s
        assert frame_number(key.jpeg) == round(event.peak_s * FPS)


def test_the_rep_key_frame_is_the_turning_point_of_its_rep(reviewed: SessionResult) -> None:
    [key] = [k for k in reviewed.key_frames if k.label.startswith("Turning point of rep")]
    number = int(key.label.split()[4])
    [rep] = [r for r in reviewed.reps if r.number == number]
    assert key.t_s == rep.turn_s
    assert frame_number(key.jpeg) == round(rep.turn_s * FPS)
