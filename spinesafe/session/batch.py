"""``spinesafe review FOLDER``: every video and recording of a folder, one failure not stopping the rest.

One at a time in this process (``workers=1``), in worker processes on this machine
(:mod:`~spinesafe.session.batch_pool`) or on a Dask cluster (:mod:`~spinesafe.session.batch_cluster`).
However it runs, this process is the only writer of the history: a worker reviews into an in-memory
store and sends the session's rows back (:mod:`~spinesafe.feedback.store_copy`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from spinesafe.errors import InputFileError, SpinesafeError, StoreError
from spinesafe.feedback.store import SessionStore
from spinesafe.feedback.store_copy import SessionRows, export_session, import_session
from spinesafe.session.inputs import RECORDING_SUFFIX, VIDEO_SUFFIXES, Progress
from spinesafe.session.review import run_review

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchItem:
    """One entry of a batch: ``status`` ok / failed / skipped."""

    file: str
    status: str
    output: Path | None = None
    message: str = ""
    rep_count: int | None = None
    partial_rep_count: int | None = None
    flexion_events: int | None = None
    unsafe_movements: int | None = None
    duration_s: float | None = None
    truncated: bool | None = None
    seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["output"] = str(self.output) if self.output is not None else None
        return data


@dataclass(frozen=True)
class BatchPlan:
    """What a folder holds: inputs to analyse (with their output folder names) and entries skipped."""

    inputs: list[tuple[Path, str]]
    skipped: list[BatchItem]


def plan_folder(folder: str | Path) -> BatchPlan:
    """Videos and recordings in ``folder`` (not its subfolders), in name order, each with a unique
    output folder name (its stem, or stem_suffix when two share a stem); other entries are skipped
    with the reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputFileError(f"{folder}: no such folder")
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputFileError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from exc
    inputs: list[Path] = []
    skipped: list[BatchItem] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        suffix = entry.suffix.lower()
        reason = ""
        if entry.is_symlink() and not entry.exists():
            reason = "broken link"
        elif entry.is_dir():
            reason = "a folder (subfolders are not searched)"
        elif suffix not in VIDEO_SUFFIXES and suffix != RECORDING_SUFFIX:
            reason = "not a video file"
        elif not entry.is_file():
            reason = "not a regular file"
        elif not os.access(entry, os.R_OK):
            reason = "cannot be read (permission denied)"
        if reason:
            skipped.append(BatchItem(file=entry.name, status="skipped", message=reason))
        else:
            inputs.append(entry)
    stems = [p.stem for p in inputs]
    named = [(p, p.stem if stems.count(p.stem) == 1 else f"{p.stem}_{p.suffix.lstrip('.').lower()}") for p in inputs]
    return BatchPlan(named, skipped)


class BatchObserver(Protocol):
    """What a batch tells its display; ``index`` is the input's place in the plan (from 1)."""

    def started(self, index: int, total: int, path: Path) -> None: ...

    def progress(self, index: int, done: int, total: int) -> None: ...

    def finished(self, index: int, item: BatchItem) -> None: ...


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl+C during a batch: the videos that finished are in ``items`` (in plan order), the others
    in ``unfinished``; their history rows are stored, their outputs kept."""

    def __init__(self, items: list[BatchItem], unfinished: list[str]) -> None:
        super().__init__("the batch was interrupted")
        self.items = items
        self.unfinished = unfinished


@dataclass(frozen=True)
class BatchTask:
    """One input of a batch as a worker process or a cluster node gets it (picklable). ``history``:
    bring the stored session back for the parent's history."""

    index: int
    path: Path
    name: str
    exercise: str
    out_dir: Path
    history: bool
    options: dict[str, Any]

    @property
    def file(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class TaskResult:
    """What a worker sends back: the batch entry and the session's history rows (None: not stored)."""

    index: int
    item: BatchItem
    rows: SessionRows | None = None


def make_tasks(
    plan: BatchPlan, exercise: str, out_dir: str | Path, *, history: bool, **options: Any
) -> list[BatchTask]:
    return [
        BatchTask(i, path, name, exercise, Path(out_dir), history, dict(options))
        for i, (path, name) in enumerate(plan.inputs, start=1)
    ]


def longest_first(tasks: list[BatchTask]) -> list[BatchTask]:
    """The order to hand inputs to parallel workers: videos by duration, longest first, then the
    recordings (replays take a fraction of a video's time) by size. The longest video started last
    would keep one worker busy while the others idle (4 corpus clips of 7, 7, 20 and 12 s on 2
    workers: at best a 1.68x speed-up in name order, 1.8x longest first)."""

    def work(task: BatchTask) -> tuple[bool, float]:
        if task.path.suffix.lower() == RECORDING_SUFFIX:
            return False, float(task.path.stat().st_size)
        return True, _video_duration_s(task.path)

    return sorted(tasks, key=work, reverse=True)


def _video_duration_s(path: Path) -> float:
    """The container's duration (0 when it cannot be read: the review will say why)."""
    import av

    try:
        with av.open(str(path)) as container:
            return float(container.duration or 0) / 1e6  # microseconds (av.time_base)
    except (av.FFmpegError, OSError, ValueError):
        return 0.0


def review_input(
    path: Path, out: Path, exercise: str, *, progress: Progress | None = None, **review_options: Any
) -> BatchItem:
    """Review one input into ``out``; a failure becomes a ``failed`` entry (``out`` removed if empty)."""
    started = time.monotonic()
    try:
        outputs = run_review(path, exercise, out_dir=out, progress=progress, **review_options)
    except (SpinesafeError, OSError, ValueError, RuntimeError) as exc:
        log.debug("review of %s failed", path, exc_info=True)
        _remove_if_empty(out)
        return BatchItem(
            file=path.name, status="failed", message=str(exc), seconds=round(time.monotonic() - started, 2)
        )
    except KeyboardInterrupt:
        _remove_if_empty(out)
        raise
    result = outputs.result
    return BatchItem(
        file=path.name,
        status="ok",
        output=out,
        message="truncated: only the readable part was analysed" if result.truncated else "",
        rep_count=result.rep_count,
        partial_rep_count=sum(1 for r in result.reps if not r.complete),
        flexion_events=len(result.flexion_events),
        unsafe_movements=len(result.unsafe_movements),
        duration_s=round(result.duration_s, 3),
        truncated=result.truncated,
        seconds=round(time.monotonic() - started, 2),
    )


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # only removed when empty: nothing was written there
        folder.rmdir()


def run_task(task: BatchTask, progress: Progress | None = None) -> TaskResult:
    """Review one input away from the parent (a worker process or a cluster node): the session goes
    to an in-memory store and comes back as rows. Any error becomes a ``failed`` entry, so one
    input can never take its worker down with it. The annotated video is encoded on one thread (the
    other workers have the other cores)."""
    from spinesafe.feedback.video import VideoSettings

    options = {"video_settings": VideoSettings(threads=1), **task.options}
    out = task.out_dir / task.name
    store = SessionStore(":memory:") if task.history else None
    try:
        item = review_input(task.path, out, task.exercise, progress=progress, store=store, **options)
        sessions = store.sessions() if store is not None else []
        rows = export_session(store, sessions[0].id) if store is not None and sessions else None
    except Exception as exc:  # a bug on one input must not stop the batch; the traceback goes to the log
        log.warning("review of %s failed unexpectedly", task.path, exc_info=True)
        _remove_if_empty(out)
        item = BatchItem(file=task.file, status="failed", message=f"unexpected error: {type(exc).__name__}: {exc}")
        rows = None
    finally:
        if store is not None:
            store.close()
    return TaskResult(task.index, item, rows)


def store_result(result: TaskResult, store: SessionStore | None) -> BatchItem:
    """The parent's half of a worker's review: its session into the history (the only writer)."""
    if store is None or result.rows is None:
        return result.item
    try:
        import_session(store, result.rows)
    except StoreError as exc:
        log.debug("storing the session of %s failed", result.item.file, exc_info=True)
        message = f"analysed, but not stored in the history: {exc}"
        return dataclasses.replace(result.item, status="failed", message=message)
    return result.item


def review_folder(
    plan: BatchPlan,
    exercise: str,
    out_dir: str | Path,
    *,
    workers: int = 1,
    cluster: str | None = None,
    store: SessionStore | None = None,
    observer: BatchObserver | None = None,
    **review_options: Any,
) -> list[BatchItem]:
    """Review every input of ``plan`` into ``out_dir/<name>/``, in plan order; a failure is recorded
    and the batch goes on. ``workers`` > 1: that many processes on this machine; ``cluster``: a Dask
    scheduler address, or ``auto`` for a local cluster of ``workers`` processes. With ``store``, each
    session goes into the history (written by this process only). Ctrl+C raises
    :class:`BatchInterrupted` with what finished."""
    tasks = make_tasks(plan, exercise, out_dir, history=store is not None, **review_options)
    if cluster is not None:
        from spinesafe.session.batch_cluster import review_on_cluster

        return review_on_cluster(tasks, cluster, workers=workers, store=store, observer=observer)
    if min(workers, len(tasks)) > 1:
        from spinesafe.session.batch_pool import review_in_processes

        return review_in_processes(tasks, workers, store=store, observer=observer)
    return _review_here(tasks, store, observer)


def _review_here(tasks: list[BatchTask], store: SessionStore | None, observer: BatchObserver | None) -> list[BatchItem]:
    """One input after the other in this process, storing each session as it runs."""
    items: list[BatchItem] = []
    for task in tasks:
        progress = None
        if observer is not None:
            observer.started(task.index, len(tasks), task.path)
            progress = _progress_of(observer, task.index)
        try:
            item = review_input(
                task.path, task.out_dir / task.name, task.exercise, progress=progress, store=store, **task.options
            )
        except KeyboardInterrupt:
            raise BatchInterrupted(items, [t.file for t in tasks[len(items) :]]) from None
        items.append(item)
        if observer is not None:
            observer.finished(task.index, item)
    return items


def _progress_of(observer: BatchObserver, index: int) -> Progress:
    def progress(done: int, total: int) -> None:
        observer.progress(index, done, total)

    return progress
