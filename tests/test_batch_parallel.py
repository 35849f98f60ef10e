"""`spinesafe review FOLDER --workers N` and `--cluster`: the same batch in worker processes and on a Dask
cluster gives the same reports and the same history rows as one at a time, the parent being the only writer
of the history; a broken input fails alone; Ctrl+C keeps what finished. Real recordings, real SQLite, real
processes, a real local Dask cluster."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spinesafe.cli import main
from spinesafe.feedback.store import SessionStore
from spinesafe.lab.synthetic import CameraView, animate, chain, squat_reps, standing
from spinesafe.pose.recording import save_recording
from spinesafe.session.batch import BatchItem, plan_folder, review_folder

REPO = Path(__file__).resolve().parents[1]
REPS = {"a_one.npz": 1, "b_two.npz": 2, "c_three.npz": 3}
VOLATILE = {"id", "session_id", "set_id", "started_at", "updated_at", "ended_at"}  # differ between two runs


def save_squats(path: Path, reps: int, seed: int, *, still_s: float = 1.0) -> None:
    motion = chain(standing(1.5), squat_reps(reps, period_s=2.5), standing(still_s))
    frames = animate(motion, fps=30.0, view=CameraView.SIDE_FACING_LEFT, image_size=(320, 240), seed=seed)
    save_recording(path, frames, source=path.stem, estimator="synthetic", fps=30.0)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parallel") / "videos"
    folder.mkdir()
    for seed, (name, reps) in enumerate(REPS.items()):
        save_squats(folder / name, reps, seed)
    return folder


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def review(folder: Path, out: Path, *options: str) -> dict[str, Any]:
    code, stdout, stderr = run_cli(
        "review", str(folder), "-e", "squat", "--out", str(out / "results"), "--db", str(out / "db.sqlite"), "-q",
        *options,
    )  # fmt: skip
    assert code == 0, stdout + stderr
    assert "Traceback" not in stdout + stderr
    return json.loads((out / "results" / "batch.json").read_text())


def stored_sessions(db: Path) -> dict[str, dict[str, Any]]:
    """Every stored session by source, without the ids and times that differ between two runs."""

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    with SessionStore(db, create=False) as store:
        details = [store.session_detail(s.id) for s in store.sessions()]
    sources = [d["source"] for d in details]
    assert len(sources) == len(set(sources)), f"a session stored twice: {sources}"
    return {d["source"]: scrub(d) for d in details}


def outcome(summary: dict[str, Any]) -> dict[str, tuple[str, int | None, int | None]]:
    return {v["file"]: (v["status"], v["rep_count"], v["flexion_events"]) for v in summary["videos"]}


@pytest.fixture(scope="module")
def one_at_a_time(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("workers1")
    summary = review(folder, out, "--workers", "1")
    assert outcome(summary) == {name: ("ok", reps, 0) for name, reps in REPS.items()}
    return out


def test_two_workers_give_the_same_reports_and_history_as_one(
    folder: Path, one_at_a_time: Path, tmp_path: Path
) -> None:
    summary = review(folder, tmp_path, "--workers", "2")
    assert [v["file"] for v in summary["videos"]] == list(REPS)  # plan order, whatever order they finished in
    assert outcome(summary) == {name: ("ok", reps, 0) for name, reps in REPS.items()}
    for name in ("a_one", "b_two", "c_three"):
        parallel = json.loads((tmp_path / "results" / name / "report.json").read_text())
        single = json.loads((one_at_a_time / "results" / name / "report.json").read_text())
        assert parallel["reps"] == single["reps"] and parallel["cues"] == single["cues"]
        assert sorted(p.name for p in (tmp_path / "results" / name).iterdir()) == [
            "annotated.mp4",
            "report.html",
            "report.json",
            "reps.csv",
        ]
    parallel_rows = stored_sessions(tmp_path / "db.sqlite")
    assert set(parallel_rows) == {"a_one", "b_two", "c_three"}  # each once
    assert parallel_rows == stored_sessions(one_at_a_time / "db.sqlite")  # row for row: sets, reps, cues ...
    assert all(s["status"] == "complete" for s in parallel_rows.values())


class Events:
    """A BatchObserver that notes what happened, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []
        self.frames: dict[int, int] = {}

    def started(self, index: int, total: int, path: Path) -> None:
        self.log.append(("started", index))

    def progress(self, index: int, done: int, total: int) -> None:
        self.frames[index] = max(self.frames.get(index, 0), done)

    def finished(self, index: int, item: BatchItem) -> None:
        self.log.append(("finished", index))


def test_workers_run_side_by_side_and_report_progress(folder: Path, tmp_path: Path) -> None:
    events = Events()
    items = review_folder(plan_folder(folder), "squat", tmp_path, workers=2, observer=events, write_video=False)
    assert [i.rep_count for i in items] == list(REPS.values())
    # the longest two first (c_three, b_two), side by side: both began before either ended
    assert events.log[:2] == [("started", 3), ("started", 2)]
    assert sorted(events.log[2:]) == [("finished", 1), ("finished", 2), ("finished", 3), ("started", 1)]
    assert set(events.frames) == {1, 2, 3} and all(n > 0 for n in events.frames.values())


def test_a_broken_input_fails_alone(folder: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for name in ("a_one.npz", "c_three.npz"):
        (mixed / name).write_bytes((folder / name).read_bytes())
    whole = (folder / "b_two.npz").read_bytes()
    (mixed / "b_cut.npz").write_bytes(whole[: len(whole) // 2])  # a recording cut in half
    (mixed / "d_not_a_video.mp4").write_text("not a video\n" * 40)
    code, _, stderr = run_cli(
        "review", str(mixed), "-e", "squat", "--out", str(tmp_path / "results"), "--db", str(tmp_path / "db.sqlite"),
        "--workers", "2", "--no-video", "-q",
    )  # fmt: skip
    assert code == 2
    assert stderr.strip() == "spinesafe: error: 2 of 4 videos could not be analysed (see above)"
    summary = json.loads((tmp_path / "results" / "batch.json").read_text())
    by_file = {v["file"]: v for v in summary["videos"]}
    assert {f: v["status"] for f, v in by_file.items()} == {
        "a_one.npz": "ok",
        "b_cut.npz": "failed",
        "c_three.npz": "ok",
        "d_not_a_video.mp4": "failed",
    }
    assert by_file["a_one.npz"]["rep_count"] == 1 and by_file["c_three.npz"]["rep_count"] == 3
    assert "cannot be opened as a video" in by_file["d_not_a_video.mp4"]["message"]
    assert by_file["b_cut.npz"]["message"]
    assert summary["totals"]["ok"] == 2 and summary["totals"]["failed"] == 2
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["a_one", "batch.json", "c_three"]
    assert set(stored_sessions(tmp_path / "db.sqlite")) == {"a_one", "c_three"}


@pytest.mark.parametrize("engine", [("--workers", "2"), ("--cluster", "auto", "--workers", "2")], ids=["pool", "dask"])
def test_ctrl_c_stops_the_workers_and_keeps_what_finished(engine: tuple[str, ...], tmp_path: Path) -> None:
    if "--cluster" in engine:
        pytest.importorskip("distributed", reason="needs the cluster extra: pip install 'spinesafe[cluster]'")
    folder = tmp_path / "videos"
    folder.mkdir()
    for i, (name, still_s) in enumerate({"a": 5.0, "b": 10.0, "c": 20.0, "d": 45.0}.items()):
        save_squats(folder / f"{name}.npz", 1, seed=i, still_s=still_s)  # seconds of annotated video to draw
    results, db = tmp_path / "results", tmp_path / "db.sqlite"
    command = [sys.executable, "-m", "spinesafe", "review", str(folder), "-e", "squat", "--out", str(results)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [*command, "--db", str(db), *engine, "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=tmp_path, start_new_session=True,
    ) as process, killed_on_failure(process):  # fmt: skip
        assert process.stdout is not None
        first = process.stdout.readline()  # longest first: d and c start; whichever ends first, the other runs on
        assert first.startswith("ok      ") and ": 1 reps" in first, first
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl+C: to the parent and its workers
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stdout + stderr
    assert stderr.strip().endswith("spinesafe: interrupted") and "Traceback" not in stderr, stderr
    summary = json.loads((results / "batch.json").read_text())
    assert summary["interrupted"] is True
    # the first to end is kept (and whatever else ended before the workers heard of the stop); the
    # others are stopped, their half-written outputs removed
    kept = [v["file"] for v in summary["videos"]]
    assert first.split()[1].rstrip(":") in kept and summary["not_reviewed"]
    assert all(v["status"] == "ok" and v["rep_count"] == 1 for v in summary["videos"])
    assert sorted(kept + summary["not_reviewed"]) == ["a.npz", "b.npz", "c.npz", "d.npz"]
    stems = sorted(Path(f).stem for f in kept)
    assert sorted(p.name for p in results.iterdir()) == sorted(["batch.json", *stems])
    assert not [p for p in results.rglob(".*")]  # nothing half-written
    sessions = stored_sessions(db)
    assert sorted(sessions) == stems and all(s["status"] == "complete" for s in sessions.values())
    assert_no_children_left(process.pid)


@contextlib.contextmanager
def killed_on_failure(process: subprocess.Popen[str]) -> Iterator[None]:
    """A failed assertion inside ``with Popen`` would wait for the process forever: kill its group first."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        raise


def assert_no_children_left(pid: int) -> None:
    """No process whose parent was ``pid`` is still running (Linux /proc)."""
    orphans = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                orphans.append(stat.parent.name)
    assert not orphans


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[str]:
    distributed = pytest.importorskip("distributed", reason="needs the cluster extra: pip install 'spinesafe[cluster]'")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_cluster_reviews_a_folder_and_this_process_stores_the_history(
    folder: Path, one_at_a_time: Path, dask_cluster: str, tmp_path: Path
) -> None:
    summary = review(folder, tmp_path, "--cluster", dask_cluster, "--no-video")
    assert outcome(summary) == {name: ("ok", reps, 0) for name, reps in REPS.items()}
    for name in ("a_one", "b_two", "c_three"):
        report = json.loads((tmp_path / "results" / name / "report.json").read_text())
        single = json.loads((one_at_a_time / "results" / name / "report.json").read_text())
        assert report["reps"] == single["reps"]
    assert stored_sessions(tmp_path / "db.sqlite") == stored_sessions(one_at_a_time / "db.sqlite")


def test_cluster_and_workers_options_are_checked(folder: Path, tmp_path: Path) -> None:
    code, _, stderr = run_cli("review", str(folder / "a_one.npz"), "-e", "squat", "--cluster", "auto")
    assert code == 2 and "--cluster is for a folder" in stderr
    code, _, stderr = run_cli("review", str(folder), "-e", "squat", "--cluster", "tcp://127.0.0.1:1", "--workers", "2")
    assert code == 2 and "a cluster has its own workers" in stderr
    with pytest.raises(SystemExit) as exit_info, contextlib.redirect_stderr(io.StringIO()):
        main(["review", str(folder), "-e", "squat", "--workers", "0"])
    assert exit_info.value.code == 2


def test_an_unreachable_scheduler_is_one_clear_line(folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="needs the cluster extra: pip install 'spinesafe[cluster]'")
    code, _, stderr = run_cli(
        "review", str(folder), "-e", "squat", "--out", str(tmp_path), "--no-history", "--cluster", "tcp://127.0.0.1:9"
    )
    assert code == 2
    assert stderr.startswith("spinesafe: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(stderr.strip().splitlines()) == 1


def worker_pids(parent: int) -> list[int]:
    """The review workers (spawned processes) of ``parent``, not multiprocessing's resource tracker."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != parent:
                continue
            if b"spawn_main" in (stat.parent / "cmdline").read_bytes():
                pids.append(int(stat.parent.name))
    return pids


def test_a_worker_that_dies_fails_only_its_video(tmp_path: Path) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    for i, name in enumerate(("a.npz", "b.npz", "c.npz")):
        save_squats(folder / name, 2, seed=20 + i, still_s=12.0)
    results, db = tmp_path / "results", tmp_path / "db.sqlite"
    command = [sys.executable, "-m", "spinesafe", "review", str(folder), "-e", "squat", "--out", str(results)]
    with subprocess.Popen(
        [*command, "--db", str(db), "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=tmp_path, start_new_session=True,
    ) as process, killed_on_failure(process):  # fmt: skip
        assert process.stderr is not None
        started = {process.stderr.readline().split(":")[0] for _ in range(2)}
        assert len(started) == 2 and started <= {"[1/3] a.npz", "[2/3] b.npz", "[3/3] c.npz"}
        workers = worker_pids(process.pid)
        deadline = time.monotonic() + 10.0
        while len(workers) < 2 and time.monotonic() < deadline:  # /proc read while a worker was starting up
            time.sleep(0.05)
            workers = worker_pids(process.pid)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stdout + stderr
    assert "Traceback" not in stderr
    summary = json.loads((results / "batch.json").read_text())
    statuses = sorted((v["status"], v["message"]) for v in summary["videos"])
    assert statuses == [("failed", "the worker process stopped (killed by signal 9)"), ("ok", ""), ("ok", "")]
    assert len(stored_sessions(db)) == 2 and {v["file"] for v in summary["videos"]} == {"a.npz", "b.npz", "c.npz"}


def test_output_piped_into_head_ends_the_batch(folder: Path, tmp_path: Path) -> None:
    """`spinesafe review FOLDER | head -1`: the closed pipe ends the batch (it once left the parent
    waiting for a worker it had forgotten to give the next video)."""
    command = [sys.executable, "-m", "spinesafe", "review", str(folder), "-e", "squat", "--no-history"]
    with subprocess.Popen(
        [*command, "--out", str(tmp_path / "results"), "--workers", "2", "--no-video", "-q"], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True,
    ) as process, killed_on_failure(process):  # fmt: skip
        assert process.stdout is not None
        assert process.stdout.readline().startswith("ok      ")
        process.stdout.close()  # as `head -1` exits
        assert process.wait(timeout=60) != 0
    assert_no_children_left(process.pid)
