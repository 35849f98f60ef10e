"""``spinesafe review FOLDER --cluster ADDRESS``: the same batch on a Dask distributed cluster.

Needs the optional extra: ``pip install 'spinesafe[cluster]'`` (``dask[distributed]``). Dask, not
Ray: it is pure Python with pure-Python or long-stable dependencies (tornado, msgpack, psutil, ...),
so it installs beside mediapipe 0.10.21, numpy<2 and protobuf 4 on Python 3.10-3.12 without pins
of its own, and a local cluster starts in a few seconds; Ray resolves too, but as an 80 MB native
wheel with its own object store and daemons for what is here a simple map over files.

- ``ADDRESS`` is a running scheduler (``tcp://host:8786``); every worker needs spinesafe installed
  and must see the input folder and ``--out`` at the same paths (a shared folder). Start workers
  with one thread each (``dask worker ADDRESS --nthreads 1``) and ``OMP_NUM_THREADS=1``.
- ``auto`` starts a local cluster of ``workers`` single-threaded processes on 127.0.0.1 for this
  batch and stops it after.
- Each task is :func:`~spinesafe.session.batch.run_task` (an in-memory store on the worker); this
  process (the driver) stores the sessions in the history. Workers report starts and progress as
  Dask events on a topic of this batch. Ctrl+C sets a Dask event that every task checks before it
  starts and with each progress report: a running review stops as a failure would (its partial
  outputs removed), what finished is kept.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from spinesafe.errors import ClusterError
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
from spinesafe.session.batch_pool import (
    PROGRESS_INTERVAL_S,
    STOP_GRACE_S,
    THREAD_LIMITS,
    BatchStopped,
    limit_threads,
    sigint_ignored_by_children,
)

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)

AUTO = "auto"
INSTALL_HINT = "--cluster needs the cluster extra: pip install 'spinesafe[cluster]'"
CONNECT_TIMEOUT_S = 15.0
POLL_S = 0.5


def _cluster_task(task: BatchTask, topic: str) -> TaskResult | None:
    """Runs on a Dask worker: one input, its start and frame counts sent as events; None when the
    batch was stopped (checked before it starts and with each progress report)."""
    from distributed import Event, get_worker

    worker = get_worker()
    stop = Event(f"{topic}-stop")
    if stop.is_set():
        return None
    limit_threads()
    worker.log_event(topic, ["started", task.index])
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_INTERVAL_S:
            last = time.monotonic()
            worker.log_event(topic, ["progress", task.index, done, total])
            if stop.is_set():
                raise BatchStopped("the batch was stopped")

    result = run_task(task, progress)
    return None if result.item.status != "ok" and stop.is_set() else result


@contextmanager
def connect(address: str, workers: int) -> Iterator[Client]:
    """A client of the scheduler at ``address``, or of a local cluster of ``workers`` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterError(f"{INSTALL_HINT} ({exc})") from exc
    verbose = logging.getLogger().getEffectiveLevel() <= logging.INFO
    if not verbose:  # Dask's warnings, not its chatter
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if address == AUTO:
        with sigint_ignored_by_children():  # a terminal's Ctrl+C is the driver's: it stops the tasks
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                env=THREAD_LIMITS,
                # The workers' own logs (heartbeats failing while the cluster stops ...): a task's error
                # comes back to this process, which reports it with its video.
                silence_logs=logging.INFO if verbose else logging.CRITICAL,
            )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    _check_reachable(address)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc})") from exc
    with client:
        yield client


def _check_reachable(address: str) -> None:
    """A plain TCP connect first: a refused or unknown address fails at once (the Dask client would
    retry it until its timeout)."""
    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("", "tcp") or not host or not port.isdigit():
        return  # tls://, ws://, ...: left to the Dask client
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc.strerror or exc})") from exc


class _Events:
    """Worker events of this batch, handed from the client's thread to the driver's."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[list[Any]] = queue.SimpleQueue()

    def __call__(self, event: tuple[float, list[Any]]) -> None:
        self.queue.put(event[1])

    def drain(self) -> Iterator[list[Any]]:
        while True:
            try:
                yield self.queue.get_nowait()
            except queue.Empty:
                return


def review_on_cluster(
    tasks: list[BatchTask],
    address: str,
    *,
    workers: int,
    store: SessionStore | None,
    observer: BatchObserver | None,
) -> list[BatchItem]:
    """Review ``tasks`` on the cluster at ``address`` (or ``auto``); entries in plan order."""
    # The workers' current folders are not ours: absolute paths (on a shared folder for a real cluster).
    tasks = [dataclasses.replace(t, path=t.path.absolute(), out_dir=t.out_dir.absolute()) for t in tasks]
    with connect(address, workers) as client, _ctrl_c_as_flag() as ctrl_c:
        batch = _ClusterBatch(client, tasks, store, observer)
        try:
            batch.run(ctrl_c)
        except KeyboardInterrupt:
            batch.stop()
            done = [batch.finished[t.index] for t in tasks if t.index in batch.finished]
            raise BatchInterrupted(done, [t.file for t in tasks if t.index not in batch.finished]) from None
        finally:
            client.unsubscribe_topic(batch.topic)
    return [batch.finished[t.index] for t in tasks]


@contextmanager
def _ctrl_c_as_flag() -> Iterator[threading.Event]:
    """Ctrl+C sets a flag that the driver's loop turns into KeyboardInterrupt between two waits: raised
    inside a Dask client call it would leave the client's event loop logging a traceback."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: flag.set())
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


class _ClusterBatch:
    """The driver's side: tasks submitted longest first, events to the display, results stored."""

    def __init__(
        self, client: Client, tasks: list[BatchTask], store: SessionStore | None, observer: BatchObserver | None
    ) -> None:
        self.client = client
        self.tasks = {t.index: t for t in tasks}
        self.store = store
        self.observer = observer
        self.topic = f"spinesafe-batch-{uuid.uuid4().hex}"
        self.events = _Events()
        self.finished: dict[int, BatchItem] = {}
        self.started: set[int] = set()
        client.subscribe_topic(self.topic, self.events)
        order = longest_first(tasks)  # Dask runs higher priorities first
        self.futures: dict[Future, BatchTask] = {
            client.submit(
                _cluster_task, task, self.topic, key=f"{self.topic}-{task.index}", pure=False, priority=len(order) - r
            ): task
            for r, task in enumerate(order)
        }
        self.pending = set(self.futures)

    def run(self, ctrl_c: threading.Event) -> None:
        while self.pending:
            if ctrl_c.is_set():
                raise KeyboardInterrupt
            self._step(POLL_S)

    def stop(self) -> None:
        """Ctrl+C: every task stops at its next progress report (removing its partial outputs) or
        before it starts; what finishes meanwhile is kept. Waits up to STOP_GRACE_S."""
        from distributed import Event

        Event(f"{self.topic}-stop", client=self.client).set()
        deadline = time.monotonic() + STOP_GRACE_S
        while self.pending and time.monotonic() < deadline:
            self._step(min(POLL_S, max(0.0, deadline - time.monotonic())))
        self.client.cancel(list(self.pending))

    def _step(self, timeout_s: float) -> None:
        from distributed import wait

        try:
            done, self.pending = wait(self.pending, timeout=timeout_s, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        self._show_events()
        for future in done:
            task = self.futures[future]
            item = self._item_of(future, task)
            if item is None:
                continue  # stopped before it finished
            self.finished[task.index] = item
            if self.observer is not None:
                self.observer.finished(task.index, item)

    def _show_events(self) -> None:
        for kind, index, *counts in self.events.drain():
            if index in self.finished or self.observer is None:
                continue
            if kind == "started" and index not in self.started:
                self.started.add(index)
                self.observer.started(index, len(self.tasks), self.tasks[index].path)
            elif kind == "progress":
                self.observer.progress(index, *counts)

    def _item_of(self, future: Future, task: BatchTask) -> BatchItem | None:
        """The finished task's entry, its session stored; a task the cluster lost is a failed entry."""
        if future.status == "error":
            exc = future.exception()
            log.warning("the cluster could not review %s: %r", task.path, exc)
            return BatchItem(file=task.file, status="failed", message=f"the cluster could not review it ({exc!r})")
        result: TaskResult | None = future.result()
        return None if result is None else store_result(result, self.store)
