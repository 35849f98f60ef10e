"""``spinesafe review FOLDER --workers N``: the batch over N worker processes on this machine.

- Each worker is a *spawned* process (a fork would copy MediaPipe's threads and locks in whatever
  state they are in) with one MediaPipe model; it gets one input at a time over its own pipe, so
  this process always knows which input each worker holds, even if the worker dies.
- Threads are capped per worker (one BLAS/OpenMP thread, one OpenCV thread, one x264 thread; the
  legacy MediaPipe pose graph runs its TFLite model on one thread on Linux), so N workers use
  about N cores instead of each one claiming all of them.
- Workers send progress and a :class:`~spinesafe.session.batch.TaskResult`; this process stores
  the session in the history (the only writer) and tells the display.
- A failed input is a ``failed`` entry; a worker that dies (killed, out of memory, a crash in
  native code) fails the input it held and is replaced. Ctrl+C reaches only this process
  (workers ignore SIGINT); it asks the workers to stop (SIGTERM sets a flag a review checks every
  frame: it ends removing its partial outputs; one that finished first is kept) and raises
  :class:`~spinesafe.session.batch.BatchInterrupted` with what finished.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext, SpawnProcess
from types import FrameType
from typing import Any

from spinesafe.feedback.store import SessionStore
from spinesafe.session.batch import (
    BatchInterrupted,
    BatchItem,
    BatchObserver,
    BatchTask,
    TaskResult,
    longest_first,
    run_task,
    store_result,
)

log = logging.getLogger(__name__)

# Native thread pools read these when they load: set in the environment a worker starts with.
THREAD_LIMITS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}
PROGRESS_INTERVAL_S = 0.25  # a worker reports its frame count at most this often
STOP_GRACE_S = 5.0  # after SIGTERM, a worker has this long to remove its partial outputs before SIGKILL
POLL_S = 0.5


def default_workers() -> int:
    """The cores this process may use (its CPU affinity, not the machine's count)."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if count is not None:
        return max(1, count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def thread_limited_environment() -> Iterator[None]:
    """:data:`THREAD_LIMITS` in ``os.environ`` (those the user has not set) while workers start."""
    added = {k: v for k, v in THREAD_LIMITS.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def limit_threads() -> None:
    """One OpenCV thread in this process (colour conversion and resizing run per frame)."""
    import cv2

    cv2.setNumThreads(1)


# --- the worker process -----------------------------------------------------------------------


class BatchStopped(RuntimeError):
    """The parent asked this worker to stop (Ctrl+C): the review ends as a failure would, its partial
    outputs removed, and the worker reports back."""


_stop_requested = threading.Event()  # in a worker: set by SIGTERM from the parent
_reviewing = threading.Event()  # in a worker: from a task received to its result sent


class _ProgressSender:
    """The worker's progress callback: frame counts to the parent, at most every PROGRESS_INTERVAL_S;
    where a stop is noticed (every frame, between two pose estimates)."""

    def __init__(self, conn: Connection, index: int) -> None:
        self.conn = conn
        self.index = index
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if _stop_requested.is_set():
            raise BatchStopped("the batch was stopped")
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            self.conn.send(("progress", self.index, done, total))


def _request_stop(signum: int, frame: FrameType | None) -> None:
    # During a review only a flag: raised at an arbitrary point, an exception could land after a
    # finished review and before its result is sent, losing it while its outputs stay. Idle (waiting
    # for a task), the worker simply ends.
    _stop_requested.set()
    if not _reviewing.is_set():
        raise SystemExit(0)


def _worker_main(conn: Connection) -> None:
    """Review the tasks the parent sends until it sends None (or goes away, or asks to stop)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle (ignored from birth)
    signal.signal(signal.SIGTERM, _request_stop)
    try:
        limit_threads()
        while not _stop_requested.is_set() and (task := conn.recv()) is not None:
            _reviewing.set()
            conn.send(("done", run_task(task, _ProgressSender(conn, task.index))))
            _reviewing.clear()
    except (EOFError, BrokenPipeError):
        return


# --- the parent -------------------------------------------------------------------------------


@dataclass
class _Worker:
    process: SpawnProcess
    conn: Connection
    task: BatchTask | None = None


def _start_worker(ctx: SpawnContext) -> _Worker:
    parent_end, child_end = ctx.Pipe()
    process = ctx.Process(target=_worker_main, args=(child_end,), name="spinesafe-review-worker", daemon=True)
    with thread_limited_environment(), sigint_ignored_by_children():
        process.start()
    child_end.close()
    return _Worker(process, parent_end)


@contextlib.contextmanager
def sigint_ignored_by_children() -> Iterator[None]:
    """A terminal's Ctrl+C goes to the whole process group. An ignored signal stays ignored across
    exec, and Python installs its KeyboardInterrupt handler only where SIGINT is not ignored, so a
    worker started meanwhile ignores Ctrl+C from its first instruction (no traceback while it imports).
    The parent ignores it only for the instant of the start (from its main thread; elsewhere as is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Batch:
    """The parent's bookkeeping: inputs waiting, workers and what each holds, entries finished."""

    def __init__(
        self, tasks: list[BatchTask], workers: int, store: SessionStore | None, observer: BatchObserver | None
    ) -> None:
        self.tasks = tasks
        self.pending = deque(longest_first(tasks))
        self.store = store
        self.observer = observer
        self.ctx = multiprocessing.get_context("spawn")
        self.workers = [_start_worker(self.ctx) for _ in range(min(workers, len(tasks)))]
        self.finished: dict[int, BatchItem] = {}

    def run(self) -> list[BatchItem]:
        for worker in self.workers:
            self._assign(worker)
        while any(w.task is not None for w in self.workers):
            self._serve()
        return self.items()

    def items(self) -> list[BatchItem]:
        return [self.finished[t.index] for t in self.tasks if t.index in self.finished]

    def _assign(self, worker: _Worker) -> None:
        """The next input to ``worker``, or None (it exits) when none is left."""
        worker.task = self.pending.popleft() if self.pending else None
        worker.conn.send(worker.task)
        if worker.task is not None and self.observer is not None:
            self.observer.started(worker.task.index, len(self.tasks), worker.task.path)

    def _serve(self) -> None:
        """Handle what the busy workers sent; fail the input of a worker that died."""
        busy = [w for w in self.workers if w.task is not None]
        wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=POLL_S)
        for worker in busy:
            while worker.task is not None and (message := self._receive(worker)) is not None:
                self._message(worker, message)
            if worker.task is not None and not worker.process.is_alive():
                self._replace(worker)

    def _receive(self, worker: _Worker) -> tuple[Any, ...] | None:
        """The worker's next message, or None when there is none yet or the worker has gone (only
        errors of its pipe count as that: an error handling the message is not the worker's)."""
        try:
            return worker.conn.recv() if worker.conn.poll() else None
        except (EOFError, OSError):
            worker.process.join(timeout=STOP_GRACE_S)
            return None

    def _message(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind, *payload = message
        if kind == "progress":
            if self.observer is not None:
                self.observer.progress(*payload)
            return
        result: TaskResult = payload[0]
        self._finish(result.index, store_result(result, self.store))
        self._assign(worker)

    def _replace(self, worker: _Worker) -> None:
        """A worker died holding an input: that input failed; a new worker takes the rest."""
        assert worker.task is not None
        code = worker.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        log.warning("the review worker for %s stopped unexpectedly (%s)", worker.task.file, how)
        item = BatchItem(file=worker.task.file, status="failed", message=f"the worker process stopped ({how})")
        self._finish(worker.task.index, item)
        worker.conn.close()
        worker.task = None
        if self.pending:
            replacement = _start_worker(self.ctx)
            worker.process, worker.conn = replacement.process, replacement.conn
            self._assign(worker)

    def _finish(self, index: int, item: BatchItem) -> None:
        self.finished[index] = item
        if self.observer is not None:
            self.observer.finished(index, item)

    def stop(self) -> None:
        """Idle workers exit; busy ones are asked to stop (SIGTERM: the review stops at its next frame,
        removing its partial outputs). A review that ended meanwhile is kept; after STOP_GRACE_S, SIGKILL."""
        for worker in self.workers:
            if worker.process.is_alive():
                if worker.task is None:
                    with contextlib.suppress(OSError):
                        worker.conn.send(None)
                else:
                    worker.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        while time.monotonic() < deadline and (busy := [w for w in self.workers if w.task is not None]):
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=POLL_S)
            for worker in busy:
                self._drain_stopping(worker)
        for worker in self.workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()

    def _drain_stopping(self, worker: _Worker) -> None:
        """While stopping: keep a review that finished; one that was stopped is dropped."""
        while worker.task is not None and (message := self._receive(worker)) is not None:
            if message[0] == "done":
                result: TaskResult = message[1]
                worker.task = None
                if result.item.status == "ok":
                    self.finished[result.index] = store_result(result, self.store)
                    if self.observer is not None:
                        with contextlib.suppress(OSError):  # stopping anyway (a closed pipe may be why)
                            self.observer.finished(result.index, self.finished[result.index])
        if worker.task is not None and not worker.process.is_alive():
            worker.task = None


def review_in_processes(
    tasks: list[BatchTask], workers: int, *, store: SessionStore | None, observer: BatchObserver | None
) -> list[BatchItem]:
    """Review ``tasks`` on ``workers`` processes; entries in plan order (see the module docstring)."""
    batch = _Batch(tasks, workers, store, observer)
    try:
        return batch.run()
    except KeyboardInterrupt:
        batch.stop()
        done = batch.items()
        raise BatchInterrupted(done, [t.file for t in tasks if t.index not in batch.finished]) from None
    finally:
        batch.stop()
