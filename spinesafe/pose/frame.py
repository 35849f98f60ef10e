"""`PoseFrame`: the one type that crosses from the pose room to the classifiers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spinesafe.pose.landmarks import NUM_LANDMARKS, Landmark


def _checked(name: str, value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class PoseFrame:
    """One video frame's pose.

    Attributes:
        t_s: time of the frame in seconds from the start of the source.
        index: frame number in the source, from 0.
        image_size: (width, height) of the image in pixels.
        landmarks: (33, 3) normalised image coordinates: x and y in [0, 1] of the image width
            and height (y down), z relative depth in roughly the same scale as x.
        visibility: (33,) likelihood in [0, 1] that each landmark is visible.
        world: (33, 3) metric coordinates in metres centred between the hips, or None when the
            estimator gives none.
        present: False when no person was found; then landmarks and visibility are NaN/0.
    """

    t_s: float
    index: int
    image_size: tuple[int, int]
    landmarks: np.ndarray
    visibility: np.ndarray
    world: np.ndarray | None = None
    present: bool = True
    _pixel_scale: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "landmarks", _checked("landmarks", self.landmarks, (NUM_LANDMARKS, 3)))
        object.__setattr__(self, "visibility", _checked("visibility", self.visibility, (NUM_LANDMARKS,)))
        if self.world is not None:
            object.__setattr__(self, "world", _checked("world", self.world, (NUM_LANDMARKS, 3)))
        width, height = self.image_size
        if width <= 0 or height <= 0:
            raise ValueError(f"image_size: expected positive (width, height), got {self.image_size}")
        if not np.isfinite(self.t_s):
            raise ValueError(f"t_s: expected a finite time in seconds, got {self.t_s}")
        # x and y scaled by the image size so that angles in the image plane are true angles
        # (normalised x and y have different units when the image is not square).
        object.__setattr__(self, "_pixel_scale", np.array([width, height, width], dtype=np.float64))

    @classmethod
    def absent(cls, t_s: float, index: int, image_size: tuple[int, int]) -> PoseFrame:
        """A frame in which no person was found."""
        return cls(
            t_s=t_s,
            index=index,
            image_size=image_size,
            landmarks=np.full((NUM_LANDMARKS, 3), np.nan),
            visibility=np.zeros(NUM_LANDMARKS),
            world=None,
            present=False,
        )

    def pixel(self, landmark: Landmark) -> np.ndarray:
        """(3,) position in pixels (x right, y down, z depth scaled like x)."""
        return np.asarray(self.landmarks[landmark] * self._pixel_scale)

    def pixels(self) -> np.ndarray:
        """(33, 3) all landmarks in pixels."""
        return np.asarray(self.landmarks * self._pixel_scale)

    def world_point(self, landmark: Landmark) -> np.ndarray | None:
        """(3,) metric position in metres, or None without world landmarks."""
        return None if self.world is None else np.asarray(self.world[landmark])

    def visible(self, landmark: Landmark, min_visibility: float = 0.5) -> bool:
        return self.present and bool(self.visibility[landmark] >= min_visibility)
