"""`spinesafe review --test`, `spinesafe patient` and `spinesafe report` with functional tests, end to end
on landmark recordings of synthetic tests, with a real SQLite history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CliRun, run_cli

from spinesafe.feedback.functional_history import get_patient, stored_tests
from spinesafe.feedback.store import SessionStore
from spinesafe.lab import synthetic as syn
from spinesafe.lab import synthetic_tests as st
from spinesafe.pose.recording import save_recording


def _save(frames: list, path: Path) -> Path:
    return save_recording(path, frames, source=path.stem, estimator="synthetic", fps=30.0)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("tests")
    tug, tug_truth = st.timed_up_and_go()
    chairs, _ = st.chair_stands(9, 2.6)
    return {
        "tug": _save(st.render_with_travel(tug, tug_truth.travel_m), base / "tug.npz"),
        "chairs": _save(syn.animate(chairs, 30.0), base / "chairs.npz"),
    }


@pytest.fixture(scope="module")
def session(recordings: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A patient set up, a TUG and a chair stand reviewed, and the progress report written."""
    base = tmp_path_factory.mktemp("history")
    db = base / "sessions.db"
    runs: dict[str, object] = {"db": db, "base": base}
    runs["patient"] = run_cli("patient", "set", "ann", "--age", "78", "--sex", "F", "--db", db)
    runs["tug"] = run_cli(
        "review", recordings["tug"], "--test", "tug", "--out", base / "tug", "--json", base / "tug.json", "--no-video",
        "--db", db, "--patient", "ann", "--quiet",
    )  # fmt: skip
    runs["chairs"] = run_cli(
        "review", recordings["chairs"], "--test", "chair-stand", "--json", base / "chairs.json", "--no-video",
        "--db", db, "--patient", "ann", "--quiet",
    )  # fmt: skip
    runs["report"] = run_cli("report", "--patient", "ann", "--db", db, "--out", base / "report.html")
    return runs


def _ok(run: object) -> CliRun:
    assert isinstance(run, CliRun)
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err
    return run


def test_review_test_writes_the_tests_list_in_report_schema_2(session: dict[str, object]) -> None:
    run = _ok(session["tug"])
    report = json.loads((Path(str(session["base"])) / "tug.json").read_text(encoding="utf-8"))
    assert report["schema"] == "spinesafe.report/2"
    [tug] = report["tests"]
    assert tug["id"] == "timed_up_and_go" and 9.9 < tug["time_s"] < 10.9
    assert tug["norm"]["source"].startswith("CDC STEADI") and tug["norm"]["flag"] is False
    assert [p["name"] for p in tug["phases"]] == ["sit-to-stand", "walk out", "turn", "walk back", "turn and sit"]
    assert set(tug) >= {"id", "count", "time_s", "stage_reached", "score", "norm", "phases", "notes"}
    assert "Timed Up and Go:" in run.out and "norm: >= 12 s" in run.out
    html = (Path(str(session["base"])) / "tug" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Timed Up and Go</h2>" in html and "Source: CDC STEADI" in html and "walk back" in html


def test_the_patients_age_and_sex_choose_the_chair_stand_norm(session: dict[str, object]) -> None:
    _ok(session["patient"])
    _ok(session["chairs"])
    report = json.loads((Path(str(session["base"])) / "chairs.json").read_text(encoding="utf-8"))
    [chairs] = report["tests"]
    assert chairs["id"] == "chair_stand_30s" and chairs["count"] == 9
    assert chairs["norm"]["cutoff"] == "< 10 stands: below average (women 75-79)" and chairs["norm"]["flag"] is True
    assert any("of the 30 s test" in n for n in chairs["notes"])  # the recording is shorter than 30 s


def test_results_are_stored_in_the_history_and_reported_over_time(session: dict[str, object]) -> None:
    _ok(session["tug"])
    _ok(session["chairs"])
    with SessionStore(Path(str(session["db"])), create=False) as store:
        record = get_patient(store, "ann")
        tests = stored_tests(store, "ann")
    assert record is not None and record.age == 78 and record.sex is not None and record.sex.value == "F"
    assert [t.test for t in tests] == ["timed_up_and_go", "chair_stand_30s"]
    assert all(t.session_id is not None for t in tests)
    report = _ok(session["report"])
    assert "norm: < 10 stands: below average (women 75-79)" in report.out
    assert "9 stands" in report.out
    html = (Path(str(session["base"])) / "report.html").read_text(encoding="utf-8")
    assert "<h2>Functional tests</h2>" in html and "Timed Up and Go" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["review", "x.npz", "--test", "walk"], "unknown test 'walk'"),
        (["review", "x.npz"], "give --exercise ID"),
        (["review", "x.npz", "--exercise", "squat", "--age", "80"], "--age and --sex are for --test"),
        (["review", "x.npz", "--test", "tug", "--age", "7"], "age must be 18-120"),
        (["review", "x.npz", "--test", "tug", "--sex", "Q"], "sex must be F or M"),
        (["patient", "set", "ann"], "give --age and/or --sex"),
    ],
)
def test_bad_input_is_a_one_line_error_and_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    run = run_cli(*args, "--db", tmp_path / "db.sqlite") if args[0] == "patient" else run_cli(*args)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err


def test_a_folder_with_test_is_refused(tmp_path: Path) -> None:
    run = run_cli("review", tmp_path, "--test", "tug", "--no-history")
    assert run.code == 2 and "give one video" in run.err
