"""Live sessions are stored in the SQLite history (issue 6: every live and review session)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from spinesafe.feedback.audio import RecordingPlayer
from spinesafe.feedback.html_report import clinician_html
from spinesafe.feedback.store import SessionInfo, SessionStore
from spinesafe.feedback.window import HeadlessDisplay
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, squat_reps, standing
from spinesafe.pose.recording import save_recording
from spinesafe.session.coach import CoachConfig, LiveCoach
from spinesafe.session.live import LiveOptions, run_live
from spinesafe.session.programme import parse_programme


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    poses = animate(
        chain(standing(4.0), squat_reps(2, period_s=2.5), standing(1.0)), fps=30, view=CameraView.SIDE_FACING_LEFT
    )
    return save_recording(
        tmp_path_factory.mktemp("lh") / "two.npz", poses, source="two squats", estimator="synthetic", fps=30.0
    )


def live(recording: Path, db: Path, history: bool = True) -> None:
    options = LiveOptions(
        camera=recording, exercise="squat", headless=True, speed=0.0, setup_check=False, calibrate=False,
        db=db, patient="ann", history=history,
    )  # fmt: skip
    run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay())


def test_live_session_is_stored_with_its_reps(tmp_path: Path, recording: Path) -> None:
    db = tmp_path / "sessions.db"
    live(recording, db)
    with sqlite3.connect(db) as con:
        sessions = con.execute("SELECT id, patient, mode, source, status FROM sessions").fetchall()
        assert [(p, m, s, st) for _, p, m, s, st in sessions] == [("ann", "live", "two.npz", "complete")]
        (reps,) = con.execute("SELECT COUNT(*) FROM reps WHERE session_id = ?", (sessions[0][0],)).fetchone()
    assert reps == 2


def test_no_history_stores_nothing(tmp_path: Path, recording: Path) -> None:
    db = tmp_path / "sessions.db"
    live(recording, db, history=False)
    assert not db.exists()


def test_flexion_in_a_rest_reaches_the_history_and_the_clinician_report(tmp_path: Path) -> None:
    """The rest-flexion scenario of ``test_coaching``: one squat, then a rounded hinge in the 60 s rest.

    The JSON report, the history and the clinician report must hold the same flexion event, and
    the history the same cues as the report (the clinician report reads the history)."""
    frames = animate(
        chain(standing(2.0), squat_reps(1), standing(1.0), hip_hinge_reps(1, rounded=True, rounded_curl_deg=45),
              standing(2.0)),
        fps=30,
    )  # fmt: skip
    programme = parse_programme(
        {"programme": {"name": "Test", "rest_s": 60, "tempo": "Slow."}, "exercise": [{"id": "squat", "sets": 2,
         "reps": 1}]}, "test.toml",
    )  # fmt: skip
    db = tmp_path / "sessions.db"
    with SessionStore(db) as store:
        log = store.begin(SessionInfo(patient="ann", mode="live", source="s", model="r", fps=30.0))
        coach = LiveCoach(
            programme, source="s", estimator="r", fps=30, config=CoachConfig(setup_check=False, calibrate=False),
            session_log=log,
        )  # fmt: skip
        coach.start(0.0)
        for frame in frames:
            coach.update(frame)
        coach.finish(frames[-1].t_s, "end of the recording")
        log.finish(duration_s=frames[-1].t_s)
        report = coach.report()
        assert report["rep_count"] == 1 and len(report["flexion_events"]) == 1  # in the rest, after the only rep
        stored = store.session_detail(log.session_id)
        (summary,) = store.sessions(patient="ann")
        totals = store.exercise_totals(patient="ann")
    # The store keeps full precision; the report rounds times to 1 ms and angles to 0.1 deg.
    assert [(round(e["start_s"], 3), round(e["peak_deg"], 1), e["severity"]) for e in stored["flexion_events"]] == [
        (e["start_s"], e["peak_deg"], e["severity"]) for e in report["flexion_events"]
    ]
    assert [(round(c["t_s"], 3), c["kind"], c["text"]) for c in stored["cues"]] == [
        (c["t_s"], c["kind"], c["text"]) for c in report["cues"]
    ]
    assert summary.flexion_events == 1
    html = clinician_html("ann", None, None, [summary], totals)
    assert '<div class="card warn"><div class="n">1</div><div class="l">back-rounding events</div></div>' in html
