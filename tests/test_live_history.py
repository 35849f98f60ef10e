"""Live sessions are stored in the SQLite history (issue 6: every live and review session)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from spinesafe.feedback.audio import RecordingPlayer
from spinesafe.feedback.window import HeadlessDisplay
from spinesafe.lab.synthetic import CameraView, animate, chain, squat_reps, standing
from spinesafe.pose.recording import save_recording
from spinesafe.session.live import LiveOptions, run_live


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
        camera=recording, exercise="squat", headless=True, speed=8.0, setup_check=False, calibrate=False,
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
