"""Movements to avoid are warned about in every mode: a live programme, ``live --exercise ID`` and
``review --exercise ID``, whatever exercise was chosen (issue 4).

Sit-ups are done in the middle of a set of squats by the synthetic figure; the packaged
recogniser model watches. Without a model the session goes on and says so once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinesafe.classifiers.events import FlexionStarted, Severity, UnsafeMovement, UnsafeMovementEnded
from spinesafe.classifiers.recogniser import RecogniserModel
from spinesafe.cli import main
from spinesafe.feedback.audio import RecordingPlayer
from spinesafe.feedback.cues import HINGE, STOP_FLEXION, CueKind, CuePolicy, unsafe_text
from spinesafe.feedback.store import SessionStore
from spinesafe.feedback.window import HeadlessDisplay
from spinesafe.lab.synthetic import MOTIONS, CameraView, animate, chain, squat_reps, standing
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.recording import save_recording
from spinesafe.session.coach import LiveCoach
from spinesafe.session.live import LiveOptions, run_live
from spinesafe.session.programme import Programme, parse_programme, single_exercise
from spinesafe.session.review import run_review

FPS = 15.0
SIT_UPS = (16.0, 25.0)  # where the sit-ups are in the motion below
SIT_UP_WARNING = unsafe_text("sit_up")


@pytest.fixture(scope="module")
def squats_with_sit_ups() -> list[PoseFrame]:
    motion = chain(standing(5.0), squat_reps(3), MOTIONS["sit_up"](3), squat_reps(3), standing(2.0), transition_s=1.0)
    assert motion[-1][0] == pytest.approx(38.0)
    return animate(motion, FPS, view=CameraView.SIDE_FACING_LEFT, jitter_px=1.0, seed=4)


def squat_programme() -> Programme:
    return parse_programme(
        {"programme": {"name": "Legs", "rest_s": 5.0}, "exercise": [{"id": "squat", "sets": 1, "reps": 12}]},
        "legs.toml",
    )


@pytest.mark.parametrize("programme", [squat_programme(), single_exercise("squat")], ids=["programme", "exercise"])
def test_live_sit_ups_in_a_squat_set_are_warned_once(
    squats_with_sit_ups: list[PoseFrame], programme: Programme
) -> None:
    coach = LiveCoach(programme, source="syn", estimator="replay", fps=FPS)
    cues = coach.start(0.0)
    for pose in squats_with_sit_ups:
        cues += coach.update(pose)
    cues += coach.finish(squats_with_sit_ups[-1].t_s, "end of the recording")
    warnings = [c for c in cues if c.text == SIT_UP_WARNING]
    assert len(warnings) == 1 and warnings[0].kind is CueKind.SAFETY
    assert SIT_UPS[0] < warnings[0].t_s < SIT_UPS[0] + 6.0
    report = coach.report()
    [episode] = report["unsafe_movements"]
    assert episode["pattern"] == "sit_up" and episode["t_s"] == pytest.approx(warnings[0].t_s, abs=1e-3)
    assert SIT_UPS[0] - 1.0 <= episode["start_s"] < episode["t_s"] <= episode["end_s"] <= SIT_UPS[1] + 2.5
    # While the episode lasts, the warning is not followed by "hinge at your hips" cues.
    during = [c.text for c in cues if episode["t_s"] <= c.t_s <= episode["end_s"] + 3.0]
    assert HINGE not in during and STOP_FLEXION not in during
    assert "1 warning about movements to avoid." in cues[-1].text
    assert coach.unsafe_notice == "" and not any("not watched" in note for note in report["notes"])


def test_review_of_a_squat_recording_reports_the_sit_ups(tmp_path: Path, squats_with_sit_ups: list[PoseFrame]) -> None:
    recording = save_recording(
        tmp_path / "squats.npz", squats_with_sit_ups, source="squats and sit-ups", estimator="synthetic", fps=FPS
    )
    with SessionStore(tmp_path / "sessions.db") as store:
        outputs = run_review(recording, "squat", out_dir=tmp_path / "out", write_video=False, store=store)
        [session] = store.sessions()
        stored = store.session_detail(session.id)["unsafe_movements"]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["exercise"] == "squat"
    [episode] = report["unsafe_movements"]
    assert episode["pattern"] == "sit_up" and SIT_UPS[0] < episode["t_s"] < SIT_UPS[0] + 6.0
    assert episode.keys() == {"t_s", "start_s", "end_s", "pattern", "confidence"}
    # The warning is a cue like the others: in the report, the banner and the video's sound track.
    assert [c["t_s"] for c in report["cues"] if c["text"] == SIT_UP_WARNING] == [episode["t_s"]]
    assert outputs.result.unsafe_movements[0].pattern == "sit_up"
    # ... and in the history, for the clinician.
    assert [(row["pattern"], row["warned_s"]) for row in stored] == [
        ("sit_up", pytest.approx(episode["t_s"], abs=1e-3))
    ]
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Movements to avoid" in html and "Sit-up (avoid)" in html


def test_review_of_plain_squats_reports_none(tmp_path: Path) -> None:
    poses = animate(chain(standing(3.0), squat_reps(5)), FPS, view=CameraView.OBLIQUE_LEFT, jitter_px=1.0, seed=8)
    recording = save_recording(tmp_path / "squats.npz", poses, source="squats", estimator="synthetic", fps=FPS)
    report = run_review(recording, "squat", out_dir=tmp_path / "out", write_video=False).report
    assert report["rep_count"] == 5 and report["unsafe_movements"] == []
    assert "None recognised" in (tmp_path / "out" / "report.html").read_text()


def test_without_a_model_sessions_go_on_and_say_so_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: object = None) -> RecogniserModel:
        raise OSError("recogniser.npz: No such file")

    monkeypatch.setattr(RecogniserModel, "load", broken)
    poses = animate(chain(standing(3.0), squat_reps(3)), FPS)
    recording = save_recording(tmp_path / "squats.npz", poses, source="squats", estimator="synthetic", fps=FPS)
    report = run_review(recording, "squat", write_video=False).report
    assert report["rep_count"] == 3 and report["unsafe_movements"] == []
    assert [n for n in report["notes"] if "not watched for" in n] == [
        "Unsafe movements (toe touch, sit-up, crunch, rounded-back lift) were not watched for: the exercise "
        "recogniser model cannot be loaded (recogniser.npz: No such file). Back rounding is still flagged."
    ]
    coach = LiveCoach(single_exercise("squat"), source="syn", estimator="replay", fps=FPS)
    coach.start(0.0)
    for pose in poses:
        coach.update(pose)
    coach.finish(poses[-1].t_s, "end")
    assert "not watched for" in coach.unsafe_notice
    assert coach.report()["notes"].count(coach.unsafe_notice) == 1
    options = LiveOptions(camera=recording, exercise="squat", headless=True, speed=0.0, history=False)
    outcome = run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay())
    assert outcome.ended_by == "end of the recording"  # the session went on
    assert [n for n in outcome.notices if "not watched for" in n] == [coach.unsafe_notice]


def test_the_warning_holds_back_flexion_cues_until_the_episode_ends() -> None:
    policy = CuePolicy()
    flexion = FlexionStarted(5.0, severity=Severity.CAUTION, flexion_deg=30.0, view="side")
    assert [c.text for c in policy.update([UnsafeMovement(4.0, pattern="toe_touch", confidence=0.9), flexion])] == [
        unsafe_text("toe_touch")
    ]
    ended = UnsafeMovementEnded(12.0, pattern="toe_touch", start_s=3.0, warned_s=4.0, end_s=9.0, confidence=0.9)
    later = FlexionStarted(20.0, severity=Severity.STOP, flexion_deg=50.0, view="side")
    assert [c.text for c in policy.update([ended, later])] == [STOP_FLEXION]


def test_reviewing_sit_ups_as_sit_ups_warns_by_name_and_not_with_hinge_cues(tmp_path: Path) -> None:
    poses = animate(chain(standing(3.0), MOTIONS["sit_up"](4), standing(2.0), transition_s=1.0), FPS, jitter_px=1.0)
    recording = save_recording(tmp_path / "sit_ups.npz", poses, source="sit-ups", estimator="synthetic", fps=FPS)
    report = run_review(recording, "sit_up", write_video=False).report
    safety = [c["text"] for c in report["cues"] if c["kind"] == CueKind.SAFETY.value]
    assert safety == [SIT_UP_WARNING]  # one warning, by name; no "hinge at your hips" first
    assert report["flexion_events"]  # the rounding is still reported
    assert [e["pattern"] for e in report["unsafe_movements"]] == ["sit_up"]


def test_live_sit_ups_are_stored_in_the_history(tmp_path: Path, squats_with_sit_ups: list[PoseFrame]) -> None:
    recording = save_recording(
        tmp_path / "squats.npz", squats_with_sit_ups, source="squats and sit-ups", estimator="synthetic", fps=FPS
    )
    options = LiveOptions(
        camera=recording, exercise="squat", headless=True, speed=0.0, setup_check=False, calibrate=False,
        db=tmp_path / "sessions.db", patient="ann",
    )  # fmt: skip
    run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay())
    with SessionStore(tmp_path / "sessions.db") as store:
        [session] = store.sessions()
        stored = store.session_detail(session.id)["unsafe_movements"]
    assert [row["pattern"] for row in stored] == ["sit_up"]
    assert SIT_UPS[0] < stored[0]["warned_s"] < SIT_UPS[0] + 6.0


def test_review_console_summary_lists_the_movements_to_avoid(
    tmp_path: Path, squats_with_sit_ups: list[PoseFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    recording = save_recording(
        tmp_path / "squats.npz", squats_with_sit_ups, source="squats and sit-ups", estimator="synthetic", fps=FPS
    )
    args = ["review", str(recording), "--exercise", "squat", "--out", str(tmp_path / "out"), "--no-video"]
    assert main([*args, "--no-history"]) == 0
    out = capsys.readouterr().out
    assert "  movements to avoid: 1\n" in out
    [line] = [line for line in out.splitlines() if "warned at" in line]
    assert "Sit-up (avoid)" in line


def test_live_console_summary_lists_the_movements_to_avoid(
    tmp_path: Path, squats_with_sit_ups: list[PoseFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    recording = save_recording(
        tmp_path / "squats.npz", squats_with_sit_ups, source="squats and sit-ups", estimator="synthetic", fps=FPS
    )
    args = ["live", "--camera", str(recording), "--exercise", "squat", "--headless", "--speed", "8"]
    assert main([*args, "--no-setup-check", "--no-calibration", "--no-history", "--mute"]) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if "movements to avoid" in line]
    assert line.startswith("  movements to avoid: 1 (Sit-up (avoid) at ")
