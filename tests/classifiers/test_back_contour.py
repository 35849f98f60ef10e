"""The back-contour kyphosis index on masks drawn with numpy.

The scenes are drawn so that the dorsal edge sits on whole pixels where it matters (the ends
and the apex of the arc), so the expected indices are exact: a straight back 0, a circular arc
its sagitta over its chord.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinesafe.classifiers.back_contour import BackContour, Unmeasured, arc_angle_deg, back_contour
from spinesafe.classifiers.features import View
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS, Landmark

SIZE = 200
# The person lies bent over, head on the left, facing image-left: shoulders at x=60, hips at
# x=140, both at y=100; the back is up (smaller y). The back's chord is 80 px long.
SHOULDER = (60.0, 100.0)
HIP = (140.0, 100.0)
FACING_LEFT = -1.0


def _frame(
    shoulder: tuple[float, float] = SHOULDER,
    hip: tuple[float, float] = HIP,
    size: int = SIZE,
    elbow: tuple[float, float] | None = None,
    visibility: float = 1.0,
) -> PoseFrame:
    """All landmarks at the shoulder (arms folded out of the way) except the hips (and elbow)."""
    points = np.tile([shoulder[0], shoulder[1], 0.0], (NUM_LANDMARKS, 1))
    for hip_landmark in (Landmark.LEFT_HIP, Landmark.RIGHT_HIP):
        points[hip_landmark] = [hip[0], hip[1], 0.0]
    if elbow is not None:
        points[Landmark.LEFT_ELBOW] = [elbow[0], elbow[1], 0.0]
    points[:, :2] /= size
    return PoseFrame(0.0, 0, (size, size), points, np.full(NUM_LANDMARKS, visibility))


def _back_mask(top: np.ndarray, size: int = SIZE, belly_y: float = 120.0) -> np.ndarray:
    """Person pixels between the back's edge ``top[x]`` (one value per column) and ``belly_y``."""
    rows = np.arange(size)[:, None]
    return (rows >= top[None, :]) & (rows <= belly_y)


def _arc_top(
    chord_half: float, sagitta: float, ends_y: float = 80.0, size: int = SIZE, centre_x: float = 100.0
) -> np.ndarray:
    """Back edge: a circular arc through (centre_x -+ chord_half, ends_y) rising ``sagitta`` above
    them at ``centre_x``; flat at ``ends_y`` outside the arc."""
    radius = (chord_half**2 + sagitta**2) / (2 * sagitta)
    centre_y = ends_y - sagitta + radius
    x = np.arange(size, dtype=float)
    top = np.full(size, ends_y)
    on_arc = np.abs(x - centre_x) <= chord_half
    top[on_arc] = centre_y - np.sqrt(radius**2 - (x[on_arc] - centre_x) ** 2)
    return top


def _measure(mask: np.ndarray | None, frame: PoseFrame | None = None, facing: float = FACING_LEFT) -> BackContour:
    return back_contour(mask, frame or _frame(), View.SIDE, facing)


def test_a_straight_back_reads_zero() -> None:
    result = _measure(_back_mask(np.full(SIZE, 80.0)))
    assert result.unmeasured is None
    assert result.index == 0.0
    assert result.line_px == 80.0


@pytest.mark.parametrize(
    ("sagitta", "expected"),
    [
        (20.0, 20.0 / 80.0),  # radius 50: a 106 deg arc, a hunched back
        (5.0, 5.0 / 80.0),  # radius 162.5: a 28 deg arc, mild rounding
    ],
)
def test_an_arc_reads_its_sagitta_over_its_chord(sagitta: float, expected: float) -> None:
    result = _measure(_back_mask(_arc_top(40.0, sagitta)))
    assert result.unmeasured is None
    assert result.bulge_px == sagitta
    assert result.index == expected


def test_the_index_reads_as_the_arc_angle() -> None:
    """Sagitta 20 on chord 80 is a circle of radius 50: the arc turns through 2 asin(40 / 50)."""
    index = _measure(_back_mask(_arc_top(40.0, 20.0))).index
    assert arc_angle_deg(index) == pytest.approx(math.degrees(2 * math.asin(40.0 / 50.0)), abs=1e-9)
    assert arc_angle_deg(0.0) == 0.0
    assert arc_angle_deg(0.5) == pytest.approx(180.0)


def test_a_hollow_back_reads_zero() -> None:
    """A lordotic (concave) back has no bulge beyond the line: 0, never negative."""
    hollow = 160.0 - _arc_top(40.0, 20.0)  # the arc mirrored: the edge dips to y=100 at x=100
    result = _measure(_back_mask(hollow - 1.0))
    assert result.index == 0.0


def test_the_index_does_not_depend_on_scale() -> None:
    """The same back drawn twice as large (the person nearer the camera) reads the same."""
    big = 2 * SIZE
    top = _arc_top(80.0, 40.0, ends_y=160.0, size=big, centre_x=200.0)
    frame = _frame((120.0, 200.0), (280.0, 200.0), size=big)
    result = _measure(_back_mask(top, size=big, belly_y=240.0), frame)
    assert result.index == 0.25


def test_dorsal_comes_from_the_facing_direction() -> None:
    """Facing the other way the rays go to the (flat) belly side: the arc is not the back."""
    mask = _back_mask(_arc_top(40.0, 20.0))
    assert _measure(mask, facing=FACING_LEFT).index == 0.25
    assert _measure(mask, facing=-FACING_LEFT).index == 0.0


@pytest.mark.parametrize("mirror", [False, True])
def test_an_upright_person_reads_the_same_either_way_round(mirror: bool) -> None:
    """The bent-over scene turned upright (transposed): the back is on the image-left for a
    person facing image-right; mirrored left-right it is on the right for one facing left."""
    mask = _back_mask(_arc_top(40.0, 20.0)).T
    shoulder, hip = (100.0, 60.0), (100.0, 140.0)
    facing = 1.0
    if mirror:
        mask = mask[:, ::-1]
        shoulder, hip = (SIZE - 1 - 100.0, 60.0), (SIZE - 1 - 100.0, 140.0)
        facing = -1.0
    result = _measure(mask, _frame(shoulder, hip), facing)
    assert result.index == 0.25


def test_a_tilted_back_reads_its_arc_within_a_pixel() -> None:
    """Rotated 30 deg, the edge falls between pixels: the index is right to one pixel in 80."""
    angle = math.radians(30.0)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre = np.array([100.0, 100.0])
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    # Pull every pixel back into the unrotated scene and look it up there.
    back = (np.stack([xs.ravel(), ys.ravel()], axis=1) - centre) @ rot + centre
    flat = _back_mask(_arc_top(40.0, 20.0))
    bx, by = np.rint(back[:, 0]).astype(int), np.rint(back[:, 1]).astype(int)
    ok = (bx >= 0) & (bx < SIZE) & (by >= 0) & (by < SIZE)
    mask = np.zeros(SIZE * SIZE, dtype=bool)
    mask[ok] = flat[by[ok], bx[ok]]
    shoulder = rot @ (np.array(SHOULDER) - centre) + centre
    hip = rot @ (np.array(HIP) - centre) + centre
    frame = _frame((float(shoulder[0]), float(shoulder[1])), (float(hip[0]), float(hip[1])))
    result = _measure(mask.reshape(SIZE, SIZE), frame)
    assert result.index == pytest.approx(0.25, abs=1.5 / 80)


def test_a_float_mask_is_cut_at_one_half() -> None:
    mask = _back_mask(_arc_top(40.0, 20.0)).astype(np.float32) * 0.9
    mask[(mask == 0) & (np.arange(SIZE)[:, None] < 120)] = 0.4  # background haze below 0.5
    assert _measure(mask).index == 0.25


def test_an_arm_reaching_the_back_edge_is_not_measured() -> None:
    """An elbow pulled back to the back's edge (a row) joins the outline; one beside the trunk,
    more than half an arm's thickness (0.1 x 80 px) inside the edge, does not."""
    mask = _back_mask(np.full(SIZE, 80.0))  # the edge 20 px behind the joint line
    pulled = _measure(mask, _frame(elbow=(90.0, 87.0)))  # 13 px behind: within 8 px of the edge
    assert pulled.unmeasured is Unmeasured.ARM and math.isnan(pulled.index)
    beside = _measure(mask, _frame(elbow=(90.0, 89.0)))  # 11 px behind: 9 px inside the edge
    assert beside.unmeasured is None and beside.index == 0.0


@pytest.mark.parametrize(
    ("view", "facing", "visibility", "reason"),
    [
        (View.FRONT, FACING_LEFT, 1.0, Unmeasured.VIEW),
        (View.UNKNOWN, FACING_LEFT, 1.0, Unmeasured.VIEW),
        (View.SIDE, 0.0, 1.0, Unmeasured.FACING),
        (View.OBLIQUE, FACING_LEFT, 0.3, Unmeasured.LANDMARKS),
    ],
)
def test_what_cannot_be_judged_is_nan_with_its_reason(
    view: View, facing: float, visibility: float, reason: Unmeasured
) -> None:
    result = back_contour(_back_mask(np.full(SIZE, 80.0)), _frame(visibility=visibility), view, facing)
    assert result.unmeasured is reason and math.isnan(result.index)


def test_no_mask_and_no_person_are_nan() -> None:
    assert _measure(None).unmeasured is Unmeasured.MASK
    absent = PoseFrame.absent(0.0, 0, (SIZE, SIZE))
    assert _measure(_back_mask(np.full(SIZE, 80.0)), absent).unmeasured is Unmeasured.LANDMARKS


def test_an_outline_cut_by_the_picture_or_joined_to_something_is_not_a_back() -> None:
    cut = _back_mask(np.full(SIZE, 0.0))  # the person runs off the top of the picture
    assert _measure(cut).unmeasured is Unmeasured.OUTLINE
    joined = _back_mask(np.full(SIZE, 80.0))
    joined[:80, 50:150] = True  # a block on the back reaching the picture's top (60 px > 0.6 x 80)
    assert _measure(joined).unmeasured is Unmeasured.OUTLINE


def test_a_person_too_small_to_measure_is_nan() -> None:
    small = _frame((90.0, 100.0), (120.0, 100.0))  # a 30 px back: one pixel is 0.03 of index
    assert _measure(_back_mask(np.full(SIZE, 90.0)), small).unmeasured is Unmeasured.LANDMARKS


def test_a_mask_of_the_wrong_size_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"expected shape \(200, 200\)"):
        _measure(np.zeros((100, 200), dtype=bool))
