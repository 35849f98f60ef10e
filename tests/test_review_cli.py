"""`spinesafe review` / `record` end to end, in process through `spinesafe.cli.main`, on real video files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from conftest import CliRun, run_cli

from spinesafe.cli import main
from spinesafe.feedback.overlay import overlay_layout
from spinesafe.feedback.video import Mp4Writer
from spinesafe.pose.recording import load_recording
from spinesafe.pose.sources import VideoFileSource

N_FRAMES = 45  # conftest's person video
REPORT_KEYS = {"schema", "source", "exercise", "duration_s", "rep_count", "reps", "flexion_events", "holds", "cues"}


def assert_clean(run: CliRun) -> None:
    assert "Traceback" not in run.out + run.err, run.err


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def decode_all(path: Path) -> list[np.ndarray]:
    source = VideoFileSource(path)
    try:
        return [frame.image for frame in source]
    finally:
        source.close()


@pytest.fixture(scope="module")
def direct(person_video: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, Path, Path]:
    """``review VIDEO --exercise squat --out DIR --json OTHER.json``: the run, DIR and OTHER.json."""
    base = tmp_path_factory.mktemp("direct")
    out_dir, other = base / "out", base / "elsewhere" / "other.json"
    run = run_cli("review", person_video, "--exercise", "squat", "--out", out_dir, "--json", other, "--quiet")
    return run, out_dir, other


@pytest.fixture(scope="module")
def replayed(person_video: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRun, CliRun, Path, Path]:
    """``record VIDEO -o rec.npz`` then ``review rec.npz --json r2.json --no-video``."""
    base = tmp_path_factory.mktemp("replay")
    recording, report = base / "rec.npz", base / "r2.json"
    record = run_cli("record", person_video, "-o", recording, "--quiet")
    review = run_cli("review", recording, "--exercise", "squat", "--json", report, "--no-video", "--quiet")
    return record, review, recording, report


@pytest.fixture(scope="module")
def blank_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One second of a uniform grey picture: nobody in it."""
    path = tmp_path_factory.mktemp("videos") / "empty_room.mp4"
    with Mp4Writer(path, 30.0, (320, 240)) as writer:
        for _ in range(30):
            writer.write(np.full((240, 320, 3), 128, dtype=np.uint8))
    return path


# --- a person in the video -------------------------------------------------------------------------------


def test_review_exits_0_and_prints_a_summary(direct: tuple[CliRun, Path, Path]) -> None:
    run, out_dir, other = direct
    assert run.code == 0, run.err
    assert_clean(run)
    assert f"person.mp4: Mini squat, 1.5 s, {N_FRAMES} frames" in run.out
    assert "reps: 0" in run.out
    assert "spinal flexion events: 0" in run.out
    assert "no person" not in run.out
    assert f"report: {other}" in run.out
    assert f"annotated video: {out_dir / 'annotated.mp4'}" in run.out


def test_review_report_has_the_design_contract(direct: tuple[CliRun, Path, Path]) -> None:
    _, out_dir, _ = direct
    report = load(out_dir / "report.json")

    assert report.keys() >= REPORT_KEYS
    assert report["schema"] == "spinesafe.report/2"
    assert report["source"] == "person.mp4"
    assert report["exercise"] == "squat"
    assert report["mode"] == "review"
    assert report["duration_s"] == pytest.approx((N_FRAMES - 1) / 30, abs=1e-3)
    assert report["frames"] == report["frames_with_person"] == N_FRAMES
    assert report["person_detected"] is True and report["truncated"] is False
    # A photograph does not move: no reps, and an upright person is not flexing.
    assert report["rep_count"] == 0 and report["reps"] == [] and report["flexion_events"] == []
    assert report["holds"] == []
    assert report["cues"], "a session always offers the pain rule"
    for cue in report["cues"]:
        assert {"t_s", "kind", "text"} <= cue.keys()
        assert isinstance(cue["t_s"], float | int) and isinstance(cue["kind"], str) and cue["text"]
    assert any("sharp pain means stop" in cue["text"].lower() for cue in report["cues"])
    # Seen from the front, the report says flexion cannot be judged rather than silently passing it.
    assert report["views"]["main_view"] == "front"
    assert [w["judgement"] for w in report["view_warnings"]] == ["spinal flexion"]


def test_review_json_copy_equals_the_folder_report(direct: tuple[CliRun, Path, Path]) -> None:
    _, out_dir, other = direct
    assert other.is_file()
    assert load(other) == load(out_dir / "report.json")


def test_annotated_video_has_every_input_frame_with_an_overlay(
    direct: tuple[CliRun, Path, Path], person_video: Path
) -> None:
    _, out_dir, _ = direct
    annotated_path = out_dir / "annotated.mp4"
    annotated, original = decode_all(annotated_path), decode_all(person_video)

    assert len(annotated) == len(original) == N_FRAMES
    assert annotated[0].shape == original[0].shape == (600, 512, 3)
    with av.open(str(annotated_path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    # The person's picture is there, scaled beside the overlay's panel, with the skeleton drawn on it.
    pic = overlay_layout((512, 600), (512, 600)).picture
    shown = annotated[20][pic.y : pic.bottom, pic.x : pic.right].astype(np.int16)
    changed = np.abs(shown - cv2.resize(original[20], (pic.w, pic.h)).astype(np.int16)).max(axis=2) > 60
    assert 0.005 < changed.mean() < 0.5
    assert not list(out_dir.glob(".spinesafe-write-test*")), "the writability probe is removed"


def test_record_then_replay_gives_the_same_report(
    direct: tuple[CliRun, Path, Path], replayed: tuple[CliRun, CliRun, Path, Path]
) -> None:
    record, review, recording, report_path = replayed
    assert record.code == 0 and review.code == 0, record.err + review.err
    assert_clean(record)
    assert_clean(review)
    assert f"person.mp4: {N_FRAMES} frames, person in {N_FRAMES}; landmarks saved to {recording}" in record.out
    assert "annotated video" not in review.out
    assert sorted(p.name for p in report_path.parent.iterdir()) == ["r2.json", "rec.npz"]

    saved = load_recording(recording)
    assert len(saved) == N_FRAMES and saved.source == "person.mp4" and saved.truncated is False
    assert all(frame.present for frame in saved)

    direct_report, replay_report = load(direct[1] / "report.json"), load(report_path)
    for key in ("rep_count", "reps", "flexion_events", "cues"):
        assert replay_report[key] == direct_report[key], key
    # The replay carries the video's source name and estimator; only the mode differs.
    assert (direct_report["mode"], replay_report["mode"]) == ("review", "replay")
    assert {k: v for k, v in replay_report.items() if k != "mode"} == {
        k: v for k, v in direct_report.items() if k != "mode"
    }


def test_json_without_a_file_prints_the_report_alone_on_stdout(
    replayed: tuple[CliRun, CliRun, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `review VIDEO --exercise ID --json`, as a script would call it: stdout is the report, nothing else.
    _, _, recording, report_path = replayed
    monkeypatch.chdir(tmp_path)
    run = run_cli("review", recording, "--exercise", "squat", "--no-history", "--quiet", "--json")
    assert_clean(run)
    assert run.code == 0, run.err
    printed, written = json.loads(run.out), load(report_path)
    for key in ("exercise", "rep_count", "reps", "flexion_events", "frames"):
        assert printed[key] == written[key], key
    assert "reps:" in run.err  # the summary went to stderr
    assert list(tmp_path.iterdir()) == []  # no output folder without --out
    dash = run_cli("review", recording, "--exercise", "squat", "--no-history", "--quiet", "--json", "-")
    assert json.loads(dash.out)["rep_count"] == json.loads(run.out)["rep_count"]


# --- no person, damaged and wrong inputs -----------------------------------------------------------------


def test_video_without_a_person(blank_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["review", str(blank_video), "--exercise", "squat", "--out", str(tmp_path / "out"), "-q"])
    captured = capsys.readouterr()

    assert code == 0, captured.err
    assert "Traceback" not in captured.out + captured.err
    assert "no person was found in the video: 0 reps" in captured.out
    report = load(tmp_path / "out" / "report.json")
    assert report["rep_count"] == 0 and report["reps"] == [] and report["flexion_events"] == []
    assert report["person_detected"] is False
    assert report["frames"] == 30 and report["frames_with_person"] == 0
    assert any("No person" in note for note in report["notes"])
    assert len(decode_all(tmp_path / "out" / "annotated.mp4")) == 30


def test_truncated_video_is_analysed_as_far_as_it_reads(
    truncated_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readable = len(decode_all(truncated_video))
    assert 0 < readable < N_FRAMES

    code = main(["review", str(truncated_video), "--exercise", "squat", "--out", str(tmp_path / "out"), "-q"])
    captured = capsys.readouterr()

    assert code == 0, captured.err
    assert "Traceback" not in captured.out + captured.err
    assert "warning: the video ended early (truncated or damaged)" in captured.out
    report = load(tmp_path / "out" / "report.json")
    assert report["truncated"] is True
    assert report["frames"] == report["frames_with_person"] == readable
    assert any("ended early" in note for note in report["notes"])
    assert len(decode_all(tmp_path / "out" / "annotated.mp4")) == readable


def test_video_cut_before_its_index_is_a_clear_error(
    person_video: Path,
    tmp_path: Path,
    cut_copy: Callable[[Path, Path, float], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Mp4Writer, like most recorders, writes the MP4 index last: cut at 60%, the file cannot be opened."""
    cut = cut_copy(person_video, tmp_path / "cut.mp4", 0.6)
    code = main(["review", str(cut), "--exercise", "squat", "--out", str(tmp_path / "out"), "-q"])
    captured = capsys.readouterr()

    assert code == 2
    assert "Traceback" not in captured.out + captured.err
    assert f"spinesafe: error: {cut}: cannot be opened as a video" in captured.err
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.mp4", None, "missing.mp4: no such file"),
        ("notes.mp4", "hello\n" * 100, "notes.mp4: cannot be opened as a video"),
        ("notes.npz", "hello\n", "notes.npz: not a spinesafe landmark recording"),
    ],
    ids=["missing", "text-as-mp4", "text-as-recording"],
)
def test_bad_input_is_a_clear_error(
    name: str, content: str | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    code = main(["review", str(path), "--exercise", "squat", "--json", str(tmp_path / "r.json"), "--no-video"])
    captured = capsys.readouterr()

    assert code == 2
    assert captured.err.startswith("spinesafe: error: ")
    assert message in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert not (tmp_path / "r.json").exists()


def test_record_of_a_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "rec.npz")])
    captured = capsys.readouterr()
    assert code == 2
    assert "spinesafe: error:" in captured.err and "no such file" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert not (tmp_path / "rec.npz").exists()


def test_unknown_exercise_is_a_usage_error_listing_the_ids(
    person_video: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["review", str(person_video), "--exercise", "plank"])
    captured = capsys.readouterr()

    assert info.value.code == 2
    assert "usage: spinesafe review" in captured.err
    assert "unknown exercise 'plank'" in captured.err
    assert "sit_to_stand" in captured.err and "squat" in captured.err
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize("flag", ["--out", "--json"])
def test_unwritable_output_is_a_clear_error(
    flag: str, person_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The output's parent is a regular file (chmod would not stop root, who runs these tests)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way\n")
    target = blocker / ("out" if flag == "--out" else "report.json")

    code = main(["review", str(person_video), "--exercise", "squat", flag, str(target), "-q"])
    captured = capsys.readouterr()

    assert code == 2
    # --out names the folder it cannot create; --json the folder it would write the file into.
    folder = target if flag == "--out" else blocker
    assert f"spinesafe: error: {folder}: cannot create the output folder (" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert blocker.read_text() == "in the way\n"


# --- help and entry points -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["usage: spinesafe", "review", "record", "exercises", "spinal flexion"]),
        (["review"], ["usage: spinesafe review", "--exercise", "--out", "--json", "--no-video", "sit_to_stand"]),
        (["record"], ["usage: spinesafe record", "--output", "FILE.npz"]),
        (["exercises"], ["usage: spinesafe exercises"]),
    ],
    ids=["top", "review", "record", "exercises"],
)
def test_help(argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    captured = capsys.readouterr()
    assert info.value.code == 0
    for text in expected:
        assert text in captured.out
    assert captured.err == ""


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: spinesafe" in capsys.readouterr().err


def test_exercises_lists_the_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercises"]) == 0
    ids = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert {"squat", "sit_to_stand"} <= set(ids)
    assert len(ids) == len(set(ids))


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spinesafe", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: spinesafe")
    assert "review" in done.stdout and "record" in done.stdout
    assert "Traceback" not in done.stderr
