"""Geometry: hand-computed tables and properties (range, translation/scale/rotation invariance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spinesafe.classifiers.geometry import (
    inclination_from_vertical_deg,
    joint_angle_deg,
    segment_angle_between_deg,
    signed_lean_deg,
)


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((0, 0), (1, 0), (2, 0), 180.0),  # straight
        ((0, 1), (0, 0), (1, 0), 90.0),  # right angle
        ((1, 1), (0, 0), (1, 0), 45.0),
        ((1, 0), (0, 0), (1, 0), 0.0),  # folded
        ((-1, math.sqrt(3)), (0, 0), (1, 0), 120.0),
        ((0, 0, 1), (0, 0, 0), (1, 0, 0), 90.0),  # 3-D
    ],
)
def test_joint_angle_table(a: tuple[float, ...], b: tuple[float, ...], c: tuple[float, ...], expected: float) -> None:
    assert float(joint_angle_deg(np.array(a), np.array(b), np.array(c))) == pytest.approx(expected, abs=1e-9)


def test_joint_angle_degenerate_is_nan() -> None:
    assert math.isnan(float(joint_angle_deg(np.zeros(2), np.zeros(2), np.ones(2))))
    assert math.isnan(float(joint_angle_deg(np.array([np.nan, 0.0]), np.zeros(2), np.ones(2))))


def test_joint_angle_vectorised() -> None:
    a = np.array([[0, 1], [2, 0]], dtype=float)
    b = np.zeros((2, 2))
    c = np.array([[1, 0], [1, 0]], dtype=float)
    np.testing.assert_allclose(joint_angle_deg(a, b, c), [90.0, 0.0])


@pytest.mark.parametrize(
    ("lower", "upper", "expected"),
    [
        ((0, 10), (0, 0), 0.0),  # upper point above (image y down): upright
        ((0, 0), (10, 0), 90.0),  # horizontal
        ((0, 0), (10, -10), 45.0),
        ((0, 0), (0, 10), 180.0),  # upside down
    ],
)
def test_inclination_table(lower: tuple[float, float], upper: tuple[float, float], expected: float) -> None:
    assert float(inclination_from_vertical_deg(np.array(lower), np.array(upper))) == pytest.approx(expected)


def test_signed_lean_follows_facing() -> None:
    hip, shoulder = np.array([0.0, 10.0]), np.array([5.0, 0.0])  # shoulder to the image-right
    lean_right = float(signed_lean_deg(hip, shoulder, 1.0))
    assert lean_right == pytest.approx(math.degrees(math.atan2(5, 10)))
    assert float(signed_lean_deg(hip, shoulder, -1.0)) == pytest.approx(-lean_right)


def test_segment_angle_between() -> None:
    z = np.zeros(2)
    assert float(segment_angle_between_deg(z, np.array([1.0, 0]), z, np.array([0, 2.0]))) == pytest.approx(90.0)


points = arrays(np.float64, (3, 3), elements=st.floats(-100, 100, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(points, arrays(np.float64, (3,), elements=st.floats(-50, 50)), st.floats(0.1, 20))
def test_joint_angle_properties(p: np.ndarray, shift: np.ndarray, scale: float) -> None:
    # Segments shorter than a micrometre are degenerate (NaN below the 1e-9 cut-off, and
    # scaling can carry them across it); the properties hold for real limbs.
    assume(min(np.linalg.norm(p[0] - p[1]), np.linalg.norm(p[2] - p[1])) > 1e-6)
    angle = float(joint_angle_deg(p[0], p[1], p[2]))
    assert 0.0 <= angle <= 180.0
    moved = float(joint_angle_deg(p[0] * scale + shift, p[1] * scale + shift, p[2] * scale + shift))
    assert moved == pytest.approx(angle, abs=1e-5)
    # symmetric in its two ends
    assert float(joint_angle_deg(p[2], p[1], p[0])) == pytest.approx(angle, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 2 * math.pi), points)
def test_joint_angle_rotation_invariant(theta: float, p: np.ndarray) -> None:
    rot = np.array([[math.cos(theta), -math.sin(theta), 0], [math.sin(theta), math.cos(theta), 0], [0, 0, 1]])
    angle = float(joint_angle_deg(p[0], p[1], p[2]))
    if math.isnan(angle) or min(np.linalg.norm(p[0] - p[1]), np.linalg.norm(p[2] - p[1])) < 1e-3:
        return
    assert float(joint_angle_deg(rot @ p[0], rot @ p[1], rot @ p[2])) == pytest.approx(angle, abs=1e-4)
