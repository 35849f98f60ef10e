"""`spinesafe review FOLDER`: a batch over real files (MediaPipe on real videos, a replayed recording), with a
damaged video, a truncated one, and entries that are not videos or cannot be read."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spinesafe.cli import main
from spinesafe.feedback.store import SessionStore
from spinesafe.lab.synthetic import animate, chain, squat_reps, standing
from spinesafe.pose.recording import save_recording


@dataclass(frozen=True)
class Batch:
    code: int
    out: str
    err: str
    folder: Path
    results: Path
    db: Path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, person_video: Path, truncated_video: Path) -> Batch:
    base = tmp_path_factory.mktemp("batch")
    folder = base / "videos"
    folder.mkdir()
    shutil.copy(person_video, folder / "person.mp4")
    shutil.copy(truncated_video, folder / "cut_short.mp4")
    frames = animate(chain(standing(1.5), squat_reps(2, 2.5), standing(1.0)), image_size=(320, 240), seed=3)
    save_recording(folder / "motion.npz", frames, source="motion", estimator="synthetic", fps=30.0)
    (folder / "motion.mp4").write_text("this is not a video\n" * 50)  # damaged, and shares a stem with motion.npz
    (folder / "notes.txt").write_text("Tuesday: squats\n")
    (folder / "gone.mov").symlink_to(base / "deleted.mov")
    (folder / "older").mkdir()
    (folder / ".hidden.mp4").write_text("ignored\n")
    results, db = base / "results", base / "sessions.db"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["review", str(folder), "-e", "squat", "--out", str(results), "--db", str(db), "-q"])
    return Batch(code, out.getvalue(), err.getvalue(), folder, results, db)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_one_bad_file_does_not_stop_the_batch(batch: Batch) -> None:
    assert batch.code == 2  # one video failed: the batch says so in its exit code, after doing the rest
    assert "Traceback" not in batch.out + batch.err
    assert batch.err.strip() == "spinesafe: error: 1 of 4 videos could not be analysed (see above)"
    assert "FAILED  motion.mp4: " in batch.out and "cannot be opened as a video" in batch.out
    assert "ok      person.mp4: 0 reps, 0 flexion events" in batch.out
    assert "ok      motion.npz: 2 reps, 0 flexion events" in batch.out
    assert "ok      cut_short.mp4: 0 reps, 0 flexion events (truncated)" in batch.out
    assert "3 of 4 videos analysed, 3 entries skipped" in batch.out


def test_entries_that_are_not_videos_are_skipped_and_listed(batch: Batch) -> None:
    assert "skipped gone.mov: broken link" in batch.out
    assert "skipped notes.txt: not a video file" in batch.out
    assert "skipped older: a folder (subfolders are not searched)" in batch.out
    assert ".hidden" not in batch.out


def test_each_video_gets_its_own_output_folder(batch: Batch) -> None:
    names = sorted(p.name for p in batch.results.iterdir())
    assert names == ["batch.json", "cut_short", "motion_npz", "person"]  # the failed motion.mp4 left nothing
    for name in ("cut_short", "person"):
        assert sorted(p.name for p in (batch.results / name).iterdir()) == [
            "annotated.mp4",
            "report.html",
            "report.json",
            "reps.csv",
        ]
    assert load(batch.results / "person" / "report.json")["source"] == "person.mp4"
    assert load(batch.results / "cut_short" / "report.json")["truncated"] is True
    assert load(batch.results / "motion_npz" / "report.json")["rep_count"] == 2


def test_batch_summary_table_and_json(batch: Batch) -> None:
    table = batch.out[batch.out.index("file ") :]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:9] if line.strip()}
    assert set(rows) == {"person.mp4", "cut_short.mp4", "motion.npz", "motion.mp4", "gone.mov", "notes.txt", "older"}
    assert rows["motion.npz"][1:3] == ["ok", "2"]
    assert rows["motion.mp4"][1] == "failed" and rows["notes.txt"][1] == "skipped"
    summary = load(batch.results / "batch.json")
    assert summary["schema"] == "spinesafe.batch/1" and summary["exercise"] == "squat"
    totals = {"videos": 4, "ok": 3, "failed": 1, "skipped": 3, "reps": 2, "flexion_events": 0, "unsafe_movements": 0}
    assert summary["totals"] == totals
    assert rows["motion.npz"][5] == "0"  # movements to avoid (the "avoid" column)
    by_file = {v["file"]: v for v in summary["videos"]}
    assert by_file["motion.mp4"]["status"] == "failed" and "cannot be opened" in by_file["motion.mp4"]["message"]
    assert by_file["person.mp4"]["output"] == str(batch.results / "person")
    assert by_file["cut_short.mp4"]["truncated"] is True
    assert {s["file"]: s["message"] for s in summary["skipped"]} == {
        "gone.mov": "broken link",
        "notes.txt": "not a video file",
        "older": "a folder (subfolders are not searched)",
    }


def test_every_analysed_video_is_stored(batch: Batch) -> None:
    with SessionStore(batch.db, create=False) as store:
        sessions = store.sessions()
    assert sorted(s.source for s in sessions) == ["cut_short.mp4", "motion", "person.mp4"]
    assert {s.status for s in sessions} == {"complete"}


def test_folder_with_json_option_is_refused(batch: Batch, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["review", str(batch.folder), "-e", "squat", "--json", str(batch.folder / "x.json")])
    assert code == 2 and "--json is for one video" in capsys.readouterr().err


def test_folder_without_videos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "readme.txt").write_text("nothing here\n")
    code = main(["review", str(tmp_path), "-e", "squat", "--out", str(tmp_path / "out"), "--no-history"])
    captured = capsys.readouterr()
    assert code == 2
    assert "skipped readme.txt: not a video file" in captured.out
    assert f"spinesafe: error: {tmp_path}: no video files in this folder" in captured.err
