"""Recordings as another camera or person would have given them: the corpus seen differently.

The corpus is a sample of people and cameras. What a new user changes can partly be simulated on
the cached landmarks of the corpus itself, without tuning on anything new: the person facing the
other way (a mirror image), a camera that rolls (a phone propped at a slant) or pitches (a laptop
on a desk looking down, a phone on the floor looking up; redrawn from the world landmarks, so
approximate), a slower camera or a loaded machine (every other frame), and a noisier pose model
(landmark jitter). A judgement that
changes under these is fragile for people the team has not seen; ``scripts/eval_perturbed.py``
scores the corpus under each (:data:`PERTURBATIONS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS, Landmark
from spinesafe.pose.recording import Recording


def _swap_sides() -> np.ndarray:
    """Index array that swaps every LEFT_ landmark with its RIGHT_ twin."""
    order = np.arange(NUM_LANDMARKS)
    for landmark in Landmark:
        if landmark.name.startswith("LEFT_"):
            twin = Landmark[landmark.name.replace("LEFT_", "RIGHT_", 1)]
            order[landmark], order[twin] = twin, landmark
    return order


_SWAP = _swap_sides()


def _frames(recording: Recording, change: Callable[[PoseFrame], PoseFrame]) -> Recording:
    return replace(recording, frames=tuple(change(f) if f.present else f for f in recording.frames))


def mirrored(recording: Recording) -> Recording:
    """The recording of the mirror image: image x flipped, world x negated, left and right swapped
    (the same person facing the other way, or the same exercise led with the other side)."""

    def mirror(frame: PoseFrame) -> PoseFrame:
        landmarks = frame.landmarks[_SWAP].copy()
        landmarks[:, 0] = 1.0 - landmarks[:, 0]
        world = None
        if frame.world is not None:
            world = frame.world[_SWAP].copy()
            world[:, 0] = -world[:, 0]
        return replace(frame, landmarks=landmarks, visibility=frame.visibility[_SWAP], world=world)

    return _frames(recording, mirror)


def rolled(recording: Recording, degrees: float) -> Recording:
    """The recording of a camera rolled about its viewing axis so that the picture turns
    ``degrees`` clockwise (the camera turned anticlockwise seen from behind it: its
    :attr:`~spinesafe.classifiers.gravity.Gravity.roll_deg` is ``-degrees``). Image points turn
    about the image centre, world points about the camera's axis (MediaPipe's world frame is the
    camera's, y down)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))

    def roll(frame: PoseFrame) -> PoseFrame:
        size = np.array(frame.image_size, dtype=np.float64)
        px = frame.landmarks[:, :2] * size - size / 2
        turned = np.stack([c * px[:, 0] - s * px[:, 1], s * px[:, 0] + c * px[:, 1]], axis=1)
        landmarks = frame.landmarks.copy()
        landmarks[:, :2] = (turned + size / 2) / size
        world = None
        if frame.world is not None:
            world = frame.world.copy()
            x, y = frame.world[:, 0], frame.world[:, 1]
            world[:, 0], world[:, 1] = c * x - s * y, s * x + c * y
        return replace(frame, landmarks=landmarks, world=world)

    return _frames(recording, roll)


def pitched(recording: Recording, degrees: float) -> Recording:
    """The recording of a camera pitched ``degrees`` further down (negative: up), approximately:
    the world landmarks turn about the camera's x axis, and the picture is redrawn from them by an
    orthographic projection about the hips, at the frame's own scale (fitted between its picture
    and its world landmarks). The redrawing itself changes the picture a little (MediaPipe's
    picture and world landmarks do not agree exactly), so compare against ``pitched(r, 0)``, not
    against the recording as it was. Frames without world landmarks are left as they were."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))

    def pitch(frame: PoseFrame) -> PoseFrame:
        if frame.world is None:
            return frame
        size = np.array(frame.image_size, dtype=np.float64)
        px = frame.landmarks[:, :2] * size
        hips = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
        centre_px = px[hips].mean(axis=0)
        flat = frame.world[:, :2] - frame.world[hips, :2].mean(axis=0)
        scale = float(np.sum((px - centre_px) * flat) / max(float(np.sum(flat * flat)), 1e-9))
        # Looking further down, points in front of the camera's axis rise in the picture: y' = c y - s z.
        world = frame.world.copy()
        y, z = frame.world[:, 1], frame.world[:, 2]
        world[:, 1], world[:, 2] = c * y - s * z, s * y + c * z
        turned = world[:, :2] - world[hips, :2].mean(axis=0)
        landmarks = frame.landmarks.copy()
        landmarks[:, :2] = (centre_px + scale * turned) / size
        return replace(frame, landmarks=landmarks, world=world)

    return _frames(recording, pitch)


def every_other_frame(recording: Recording) -> Recording:
    """Half the frame rate (a 15 fps camera, or a live loop that drops every other frame)."""
    return replace(recording, frames=recording.frames[::2], fps=recording.fps / 2.0)


def jittered(recording: Recording, image_sd: float = 0.004, world_sd_m: float = 0.01, seed: int = 7) -> Recording:
    """Landmarks with independent Gaussian noise added: ``image_sd`` of the image size (~3 px at
    720 p) and ``world_sd_m`` metres, a noisier pose model or a worse picture."""
    rng = np.random.default_rng(seed)

    def jitter(frame: PoseFrame) -> PoseFrame:
        landmarks = frame.landmarks.copy()
        landmarks[:, :2] += rng.normal(0.0, image_sd, (NUM_LANDMARKS, 2))
        world = None if frame.world is None else frame.world + rng.normal(0.0, world_sd_m, (NUM_LANDMARKS, 3))
        return replace(frame, landmarks=landmarks, world=world)

    return _frames(recording, jitter)


PERTURBATIONS: dict[str, Callable[[Recording], Recording]] = {
    "mirrored": mirrored,
    "rolled 10 deg": lambda r: rolled(r, 10.0),
    "rolled -10 deg": lambda r: rolled(r, -10.0),
    "redrawn, level": lambda r: pitched(r, 0.0),
    "redrawn, pitched 20 deg down": lambda r: pitched(r, 20.0),
    "redrawn, pitched 15 deg up": lambda r: pitched(r, -15.0),
    "half frame rate": every_other_frame,
    "jitter": jittered,
}
"""Name -> the change it makes to a recording (see the module docstring)."""

COMPARED_WITH: dict[str, str] = {
    "redrawn, pitched 20 deg down": "redrawn, level",
    "redrawn, pitched 15 deg up": "redrawn, level",
}
"""Perturbations judged against another one rather than the recording as it was (the redrawn
picture differs a little from MediaPipe's own even when level)."""
