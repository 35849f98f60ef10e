"""The clinician's progress plot: one panel per exercise by its display name, readable for sessions
on one day (time of day) or over months (dates) (issue 14, point 7)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import cv2
import numpy as np

from spinesafe.classifiers.exercises import exercise_name
from spinesafe.feedback.plots import progress_figure, progress_png
from spinesafe.feedback.store import ExerciseTotals


def totals_at(moments: list[datetime], exercises: tuple[str, ...] = ("squat", "sit_to_stand")) -> list[ExerciseTotals]:
    return [
        ExerciseTotals(
            session_id=i,
            started_at=moment,
            exercise=exercise,
            reps=8 + i % 3,
            mean_range_of_motion_deg=60.0 + i,
            max_range_of_motion_deg=70.0 + i,
            flexion_events=i % 2,
            stop_events=0,
        )
        for i, moment in enumerate(moments)
        for exercise in exercises
    ]


def tick_labels(figure) -> list[str]:  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure).draw()
    bottom = figure.axes[len({a.get_title() for a in figure.axes if a.get_title()}) - 1]
    return [t.get_text() for t in bottom.get_xticklabels() if t.get_text()]


def panel_titles(figure) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get_title(loc="left") for a in figure.axes if a.get_title(loc="left")]


def test_one_panel_per_exercise_named_as_the_patient_knows_it() -> None:
    day = datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)
    figure = progress_figure(totals_at([day, day + timedelta(days=7)]))
    names = sorted([exercise_name("squat"), exercise_name("sit_to_stand")])
    assert panel_titles(figure) == [f"{name} — 2 sessions" for name in names]
    assert "sit_to_stand" not in names and "squat" not in names


def test_sessions_on_one_day_are_placed_by_time_of_day() -> None:
    morning = datetime(2026, 11, 3, 8, 10).astimezone()  # local time: the plot shows the local day
    figure = progress_figure(totals_at([morning, morning + timedelta(hours=4), morning + timedelta(hours=9)]))
    labels = tick_labels(figure)
    assert len(labels) >= 3 and all(re.fullmatch(r"\d\d:\d\d", label) for label in labels), labels
    assert any(a.get_xlabel() == "time of day, Tuesday 03 November 2026" for a in figure.axes)


def test_sessions_over_months_are_placed_by_date() -> None:
    start = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    figure = progress_figure(totals_at([start + timedelta(weeks=w) for w in range(0, 26, 2)]))
    labels = tick_labels(figure)
    assert any(re.search(r"Apr|May|Jun|Jul|Aug", label) for label in labels), labels
    assert not any(re.fullmatch(r"\d\d:\d\d", label) for label in labels), labels


def test_the_png_grows_with_the_exercises() -> None:
    day = datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc)
    one = cv2.imdecode(np.frombuffer(progress_png(totals_at([day], ("squat",))), np.uint8), cv2.IMREAD_COLOR)
    three = cv2.imdecode(
        np.frombuffer(progress_png(totals_at([day], ("squat", "bridge", "row"))), np.uint8), cv2.IMREAD_COLOR
    )
    assert three.shape[0] > 2 * one.shape[0]
    assert progress_png([])  # no sessions: still a picture that says so
