"""The report says how much of the session the back could be judged in, per view, and each
flexion judgement carries its proxies and the visibility it was made from."""

from __future__ import annotations

from spinesafe.classifiers.exercises import get_exercise
from spinesafe.feedback.report import build_report
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, standing
from spinesafe.session.review import analyse_poses


def report_of(view: CameraView, rounded: bool = False) -> dict:  # type: ignore[type-arg]
    frames = animate(chain(standing(1.5), hip_hinge_reps(2, rounded=rounded)), view=view)
    result = analyse_poses(frames, get_exercise("hip_hinge"), source="synthetic", estimator="synthetic", fps=30.0)
    return build_report(result)


def test_a_side_view_has_the_back_judged_throughout() -> None:
    report = report_of(CameraView.SIDE_FACING_LEFT, rounded=True)
    assert report["views"]["back_judged_share"] == 1.0
    assert not any(note.startswith("Back judged in") for note in report["notes"])
    events = report["flexion_events"]
    assert len(events) == 2
    assert all(e["proxies"] and 0.5 <= e["visibility"] <= 1.0 for e in events)


def test_a_front_view_says_the_back_was_not_judged() -> None:
    report = report_of(CameraView.FRONT)
    assert report["views"]["back_judged_share"] == 0.0
    assert report["views"]["back_judged_share_per_view"] == {"front": 0.0}
    assert any(note.startswith("Back judged in 0% of the frames") for note in report["notes"])
