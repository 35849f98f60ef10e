"""`spinesafe live --test` and `[[test]]` programme entries, headless on landmark recordings of synthetic
tests: the spoken script, the clock, the result spoken, the report's tests list and the history."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from spinesafe.classifiers.functional import FunctionalTest, Sex
from spinesafe.errors import ProgrammeError
from spinesafe.feedback.audio import RecordingPlayer
from spinesafe.feedback.functional_history import stored_tests
from spinesafe.feedback.store import SessionStore
from spinesafe.feedback.window import HeadlessDisplay
from spinesafe.lab import synthetic as syn
from spinesafe.lab import synthetic_tests as st
from spinesafe.pose.recording import save_recording
from spinesafe.session.coach_functional import GET_READY_S
from spinesafe.session.coach_view import CALIBRATE
from spinesafe.session.live import LiveOptions, run_live
from spinesafe.session.programme import parse_programme

SPEED = 0.0  # frame by frame: a loaded machine drops no frames of the replay (at 4x it lost stands at load 4)


@pytest.fixture(scope="module")
def chairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seated until 8 s (the "Go" comes at 6 s), then 11 stands of 2.6 s: 10 of them end within the 30 s."""
    keyframes, _ = st.chair_stands(11, 2.6, seated_s=8.0, tail_s=8.0)  # a long tail: a loaded machine may drop frames
    frames = syn.animate(keyframes, 30.0, image_size=(640, 360))
    return save_recording(
        tmp_path_factory.mktemp("live") / "chairs.npz", frames, source="chairs", estimator="s", fps=30
    )


def test_live_chair_stand_speaks_the_script_and_the_result(chairs: Path, tmp_path: Path) -> None:
    speakers = RecordingPlayer()
    db = tmp_path / "h.db"
    options = LiveOptions(
        camera=chairs, test=FunctionalTest.CHAIR_STAND_30S, age=78, sex=Sex.FEMALE, headless=True, setup_check=False,
        calibrate=False, json_path=tmp_path / "t.json", speed=SPEED, db=db, patient="ann", voice=False,
    )  # fmt: skip
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    texts = speakers.texts
    assert any(t.startswith("Thirty second chair stand.") for t in texts)
    go = texts.index("Ready? Go.")
    stop = texts.index("Stop. Well done.")
    assert go < stop
    [test] = outcome.report["tests"]
    assert test["id"] == "chair_stand_30s" and test["norm"]["threshold"] == 10
    # Stands reach standing tall at 8 + 1.43 + 2.6 k s: those by 6 + 30 s count (k = 0..10), the
    # 11th is over halfway up at 36 s.
    assert test["count"] == 11
    assert texts[stop + 1] == "11 stands. Not below average."
    assert json.loads((tmp_path / "t.json").read_text())["tests"] == outcome.report["tests"]
    with SessionStore(db, create=False) as store:
        [stored] = stored_tests(store, "ann")
    assert stored.test == "chair_stand_30s" and stored.result["count"] == 11


def test_a_live_test_runs_with_the_set_up_check_and_calibration_alongside_and_never_asks_to_stand(
    chairs: Path, tmp_path: Path
) -> None:
    """The set-up check and calibration run alongside every entry; in a test the script says where to
    be (seated for the chair stands), so "stand tall and still" is never asked for."""
    speakers = RecordingPlayer()
    options = LiveOptions(
        camera=chairs, test=FunctionalTest.CHAIR_STAND_30S, age=78, sex=Sex.FEMALE, headless=True, speed=SPEED,
        history=False, voice=False,
    )  # fmt: skip
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    texts = speakers.texts
    assert not [t for t in texts if CALIBRATE in t]
    assert texts.index("Ready? Go.") < texts.index("Stop. Well done.")
    [test] = outcome.report["tests"]
    assert test["id"] == "chair_stand_30s" and test["count"] >= 9


def test_a_test_entry_in_a_programme_file():
    programme = parse_programme(
        {
            "programme": {"name": "Clinic"},
            "warmup": [{"id": "marching", "duration_s": 60}],
            "exercise": [{"id": "squat", "reps": 10}],
            "test": [{"id": "tug"}, {"id": "chair_stand_30s", "rest_s": 30}],
        }
    )
    assert [e.test for e in programme.entries] == [
        None,
        FunctionalTest.TIMED_UP_AND_GO,
        FunctionalTest.CHAIR_STAND_30S,
        None,
    ]
    assert programme.entries[2].rest_s == 30 and programme.entries[1].exercise == "sit_to_stand"
    with pytest.raises(ProgrammeError, match="unknown test 'walk'"):
        parse_programme({"programme": {"name": "x"}, "test": [{"id": "walk"}]})
    with pytest.raises(ProgrammeError, match="reps"):
        parse_programme({"programme": {"name": "x"}, "test": [{"id": "tug", "reps": 3}]})


def test_live_tug_is_timed_from_go_and_a_recording_ending_early_is_scored_over_what_it_holds(tmp_path: Path) -> None:
    keyframes, truth = st.timed_up_and_go(seated_s=8.0)
    frames = st.render_with_travel(keyframes, truth.travel_m)
    tug = save_recording(tmp_path / "tug.npz", frames, source="tug", estimator="s", fps=30)
    speakers = RecordingPlayer()
    options = LiveOptions(
        camera=tug, test=FunctionalTest.TIMED_UP_AND_GO, headless=True, setup_check=False, calibrate=False,
        speed=SPEED, history=False, voice=False,
    )  # fmt: skip
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    [test] = outcome.report["tests"]
    expected = truth.seated_again_s - GET_READY_S  # STEADI: timing begins on the word "Go"
    assert abs(test["time_s"] - expected) < 0.5
    assert any(t.startswith("Your time:") for t in speakers.texts)
    # Cut before the person sits down again: no time, and the report says why.
    short = save_recording(
        tmp_path / "short.npz", [f for f in frames if f.t_s < 14.0], source="s", estimator="s", fps=30
    )
    options = LiveOptions(
        camera=short, test=FunctionalTest.TIMED_UP_AND_GO, headless=True, setup_check=False, calibrate=False,
        speed=SPEED, history=False, voice=False,
    )  # fmt: skip
    outcome = run_live(options, speakers=RecordingPlayer(), display=HeadlessDisplay())
    [test] = outcome.report["tests"]
    assert test["time_s"] is None and any("without the person sitting back down" in n for n in test["notes"])
    assert any("before its end" in n for n in outcome.report["notes"])


def test_live_balance_prompts_each_stance_once_held_and_stops_when_tandem_is_lost(tmp_path: Path) -> None:
    stances, _ = st.four_stage_balance((12.0, 12.0, 6.0))
    keyframes = syn.chain(syn.standing(5.0), stances)
    frames = syn.animate(keyframes, 30.0, view=syn.CameraView.OBLIQUE_LEFT, image_size=(640, 360))
    path = save_recording(tmp_path / "balance.npz", frames, source="balance", estimator="s", fps=30)
    speakers = RecordingPlayer()
    options = LiveOptions(
        camera=path, test=FunctionalTest.FOUR_STAGE_BALANCE, headless=True, setup_check=False, calibrate=False,
        speed=SPEED, history=False, voice=False,
    )  # fmt: skip
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    texts = speakers.texts
    assert any(t.startswith("Now place the instep") for t in texts)
    assert any(t.startswith("Now put one foot directly in front") for t in texts)
    assert not any(t.startswith("Now stand on one foot") for t in texts)  # tandem was lost: the test stopped
    assert "You reached stage 3. Increased risk of falling." in texts
    [test] = outcome.report["tests"]
    assert test["stage_reached"] == 3 and test["norm"]["flag"] is True


def test_live_sppb_runs_its_parts_in_turn_and_waits_for_the_fifth_full_stand(tmp_path: Path) -> None:
    keyframes, truth = st.sppb()
    keyframes = syn.chain(syn.standing(5.0), keyframes)  # the first "Go" comes at 6 s
    travel = st.sppb_travel(replace(truth, walk_start_s=truth.walk_start_s + 5.0))
    frames = st.render_with_travel(keyframes, travel, body_fraction=0.25)
    path = save_recording(tmp_path / "sppb.npz", frames, source="sppb", estimator="s", fps=30)
    speakers = RecordingPlayer()
    options = LiveOptions(
        camera=path, test=FunctionalTest.SPPB, headless=True, setup_check=False, calibrate=False, speed=SPEED / 2,
        history=False, voice=False,
    )  # fmt: skip  # half speed: a replay that drops frames on a busy machine can miss a stand
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    said = [t for t in speakers.texts if not t.isdigit()]
    prompts = [i for i, t in enumerate(said) if "Go." in t]
    assert [said[i].split(".")[0] for i in prompts] == [
        "Ready? Feet side by side", "Now place the instep of one foot against the big toe of the other",
        "Now put one foot directly in front of the other, heel touching toe",
        "Now walk at your usual pace past the four metre mark",
        "Now sit on the chair, arms crossed",
    ]  # fmt: skip
    [test] = outcome.report["tests"]
    assert test["parts"]["balance_points"] == 4 and test["parts"]["chair_stand_points"] == 4
    assert test["parts"]["gait_4m_s"] is not None
    assert f"Your score: {test['score']:g} of 12." in said


def test_live_sppb_goes_on_to_the_walk_when_a_stance_is_lost(tmp_path: Path) -> None:
    stances, _ = st.four_stage_balance((12.0, 5.0))  # semi-tandem lost after 5 s, then standing
    keyframes = syn.chain(syn.standing(5.0), stances, syn.standing(25.0))
    frames = syn.animate(keyframes, 30.0, view=syn.CameraView.OBLIQUE_LEFT, image_size=(640, 360))
    path = save_recording(tmp_path / "lost.npz", frames, source="lost", estimator="s", fps=30)
    speakers = RecordingPlayer()
    options = LiveOptions(
        camera=path, test=FunctionalTest.SPPB, headless=True, setup_check=False, calibrate=False, speed=SPEED,
        history=False, voice=False,
    )  # fmt: skip
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay())
    texts = speakers.texts
    assert not any(t.startswith("Now put one foot directly in front") for t in texts)  # no tandem after the loss
    assert any(t.startswith("Now walk at your usual pace") for t in texts)
    [test] = outcome.report["tests"]
    assert test["parts"]["balance_points"] == 1


def test_a_test_stopped_early_with_q_still_speaks_its_result(chairs: Path, tmp_path: Path) -> None:
    from spinesafe.feedback.window import Key

    speakers = RecordingPlayer()
    options = LiveOptions(
        camera=chairs, test=FunctionalTest.CHAIR_STAND_30S, age=78, sex=Sex.FEMALE, headless=True, setup_check=False,
        calibrate=False, speed=SPEED, history=False, voice=False,
    )  # fmt: skip
    outcome = run_live(options, speakers=speakers, display=HeadlessDisplay(keys=[(20.0, Key.QUIT)]))
    [test] = outcome.report["tests"]
    assert test["count"] is not None and test["count"] < 11  # stopped 14 s after "Go"
    assert any(t.startswith(f"{test['count']} stand") for t in speakers.texts), speakers.texts
