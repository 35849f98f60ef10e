"""The rep table's peak flexion and its flags agree, and the report states the thresholds applied
(issue 14, point 7)."""

from __future__ import annotations

import re

import pytest

from spinesafe.classifiers.events import FlexionEnded, RepCompleted, Severity
from spinesafe.classifiers.exercises import get_exercise
from spinesafe.classifiers.flexion import FlexionConfig
from spinesafe.feedback.html_report import session_html
from spinesafe.feedback.report import build_report
from spinesafe.feedback.result import SessionResult
from spinesafe.lab.synthetic import animate, chain, hip_hinge_reps, standing
from spinesafe.session.review import analyse_poses


def rep(number: int, start_s: float, end_s: float, peak_deg: float) -> RepCompleted:
    return RepCompleted(
        end_s, "hip_hinge", number, start_s, (start_s + end_s) / 2, end_s, 60.0, 110.0, peak_deg, complete=True
    )


def flexion(start_s: float, end_s: float, peak_s: float, peak_deg: float, severity: Severity) -> FlexionEnded:
    return FlexionEnded(end_s, start_s, end_s, peak_deg, peak_s, severity, "side", ("neck_curl",))


def back_flag(flags: list[str]) -> str | None:
    return next((f for f in flags if f.startswith("back rounded")), None)


def test_flags_follow_each_reps_own_peak_against_the_thresholds() -> None:
    result = SessionResult(source="t", mode="replay", spec=get_exercise("hip_hinge"), estimator="e", fps=30.0)
    result.flexion_config = FlexionConfig(caution_deg=15.0, stop_deg=30.0)
    result.reps = [
        rep(1, 0.0, 4.0, 12.0),  # an event rounding to 40 deg after the rep touches its end
        rep(2, 4.0, 8.0, 40.0),  # that event's peak is in this rep
        rep(3, 8.0, 12.0, 22.0),  # over the caution line for under the events' minimum duration
        rep(4, 12.0, 16.0, 5.0),
    ]
    result.flexion_events = [flexion(3.8, 6.0, 5.5, 40.0, Severity.STOP)]
    flags = [back_flag(r["flags"]) for r in build_report(result)["reps"]]
    assert flags == [
        None,
        "back rounded (stop, peak 40 deg)",
        "back rounded (caution, peak 22 deg, for under 0.3 s)",
        None,
    ]


def test_the_report_states_the_thresholds_applied() -> None:
    result = SessionResult(source="t", mode="replay", spec=get_exercise("hip_hinge"), estimator="e", fps=30.0)
    result.flexion_config = FlexionConfig(caution_deg=12.0, stop_deg=25.0)
    report = build_report(result)
    assert report["flexion_thresholds"] == {"caution_deg": 12.0, "stop_deg": 25.0, "min_duration_s": 0.3}
    assert report["segments"][0]["flexion_thresholds"] == report["flexion_thresholds"]
    html = session_html(result, report)
    assert "caution from 12°, stop from 25°" in html


@pytest.mark.parametrize("limits", [None, FlexionConfig(caution_deg=10.0, stop_deg=20.0)], ids=["exercise", "patient"])
def test_every_rep_of_a_rounded_hinge_session_agrees_with_its_flags(limits: FlexionConfig | None) -> None:
    motion = chain(standing(1.5), hip_hinge_reps(3), hip_hinge_reps(3, rounded=True, rounded_curl_deg=25.0))
    frames = animate(motion, jitter_px=1.5, seed=4)
    result = analyse_poses(frames, get_exercise("hip_hinge"), source="s", estimator="e", fps=30.0, flexion=limits)
    report = build_report(result)
    applied = report["flexion_thresholds"]
    assert applied["caution_deg"] == (limits.caution_deg if limits else get_exercise("hip_hinge").allowed_flexion_deg)
    assert any(back_flag(r["flags"]) for r in report["reps"]), "the rounded reps are flagged"
    for r in report["reps"]:
        flag, peak = back_flag(r["flags"]), r["peak_trunk_flexion_deg"]
        assert (flag is not None) == (peak >= applied["caution_deg"]), (peak, r["flags"])
        if flag is not None:
            severity, shown = re.match(r"back rounded \((\w+), peak (\d+) deg", flag).groups()  # type: ignore[union-attr]
            assert severity == ("stop" if peak >= applied["stop_deg"] else "caution")
            assert int(shown) == round(peak)


def test_a_rep_that_was_not_seen_says_so_and_is_not_counted() -> None:
    result = SessionResult(source="t", mode="replay", spec=get_exercise("squat"), estimator="e", fps=30.0)
    unseen = RepCompleted(3.0, "squat", 0, 2.0, 2.5, 3.0, 40.0, 110.0, 0.0, complete=False, seen_share=0.31)
    partial = RepCompleted(6.0, "squat", 0, 5.0, 5.5, 6.0, 20.0, 150.0, 0.0, complete=False)
    result.reps = [unseen, partial]
    report = build_report(result)
    assert report["rep_count"] == 0
    assert report["reps"][0]["seen_share"] == 0.31
    assert report["reps"][0]["flags"] == ["not seen: the person was found in 31% of it (not counted)"]
    assert report["reps"][1]["flags"] == ["partial (not counted)"]
