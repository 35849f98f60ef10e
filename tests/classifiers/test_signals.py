"""MedianFilter: the median of the finite values of the last window, exactly."""

from __future__ import annotations

import math

import pytest

from spinesafe.classifiers.signals import MedianFilter


def test_median_of_the_window_and_a_single_frame_jump_is_ignored() -> None:
    f = MedianFilter(0.2)
    out = [f.update(i / 30, v) for i, v in enumerate([10.0, 10.0, 10.0, 90.0, 10.0, 10.0, 10.0])]
    assert out == [10.0] * 7  # a left/right swap for one frame does not move the signal


def test_even_count_averages_the_middle_two() -> None:
    f = MedianFilter(1.0)
    assert f.update(0.0, 1.0) == 1.0
    assert f.update(0.1, 3.0) == 2.0
    assert f.update(0.2, 5.0) == 3.0


def test_old_values_leave_the_window() -> None:
    f = MedianFilter(0.5)
    f.update(0.0, 100.0)
    f.update(0.1, 100.0)
    assert f.update(0.7, 1.0) == 1.0  # both 100s are older than 0.5 s


def test_nan_is_ignored_and_an_empty_window_is_nan() -> None:
    f = MedianFilter(0.2)
    assert math.isnan(f.update(0.0, math.nan))
    assert f.update(0.1, 4.0) == 4.0
    assert f.update(0.2, math.nan) == 4.0
    assert math.isnan(f.update(1.0, math.nan))  # 4.0 left the window
    f.update(1.1, 7.0)
    f.reset()
    assert math.isnan(f.update(1.2, math.nan))


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="window_s"):
        MedianFilter(0.0)
