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
  Dask events on a topic of this batch. Ctrl+C cancels what is left and keeps what finished.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import socket
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
from spinesafe.session.batch_pool import PROGRESS_INTERVAL_S, THREAD_LIMITS, limit_threads

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)

AUTO = "auto"
INSTALL_HINT = "--cluster needs the cluster extra: pip install 'spinesafe[cluster]'"
CONNECT_TIMEOUT_S = 15.0
POLL_S = 0.5


def _cluster_task(task: BatchTask, topic: str) -> TaskResult:
    """Runs on a Dask worker: one input, with its start and frame counts sent as events."""
    from distributed import get_worker

    worker = get_worker()
    limit_threads()
    worker.log_event(topic, ["started", task.index])
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_INTERVAL_S:
            last = time.monotonic()
            worker.log_event(topic, ["progress", task.index, done, total])

    return run_task(task, progress)


@contextmanager
def connect(address: str, workers: int) -> Iterator[Client]:
    """A client of the scheduler at ``address``, or of a local cluster of ``workers`` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterError(f"{INSTALL_HINT} ({exc})") from exc
    if address == AUTO:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env=THREAD_LIMITS,
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
    finished: dict[int, BatchItem] = {}
    # The workers' current folders are not ours: absolute paths (on a shared folder for a real cluster).
    tasks = [dataclasses.replace(t, path=t.path.absolute(), out_dir=t.out_dir.absolute()) for t in tasks]
    with connect(address, workers) as client:
        topic = f"spinesafe-batch-{uuid.uuid4().hex}"
        events = _Events()
        client.subscribe_topic(topic, events)
        order = longest_first(tasks)  # Dask runs higher priorities first
        futures = {
            client.submit(
                _cluster_task, task, topic, key=f"{topic}-{task.index}", pure=False, priority=len(order) - rank
            ): task
            for rank, task in enumerate(order)
        }
        try:
            _collect(futures, events, len(tasks), store, observer, finished)
        except KeyboardInterrupt:
            client.cancel(list(futures))
            done = [finished[t.index] for t in tasks if t.index in finished]
            raise BatchInterrupted(done, [t.file for t in tasks if t.index not in finished]) from None
        finally:
            client.unsubscribe_topic(topic)
    return [finished[t.index] for t in tasks]


def _collect(
    futures: dict[Future, BatchTask],
    events: _Events,
    total: int,
    store: SessionStore | None,
    observer: BatchObserver | None,
    finished: dict[int, BatchItem],
) -> None:
    from distributed import wait

    pending = set(futures)
    by_index = {t.index: t for t in futures.values()}
    started: set[int] = set()
    while pending:
        try:
            done, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        for kind, index, *counts in events.drain():
            if index in finished or observer is None:
                continue
            if kind == "started" and index not in started:
                started.add(index)
                observer.started(index, total, by_index[index].path)
            elif kind == "progress":
                observer.progress(index, *counts)
        for future in done:
            task = futures[future]
            item = _item_of(future, task, store)
            finished[task.index] = item
            if observer is not None:
                observer.finished(task.index, item)


def _item_of(future: Future, task: BatchTask, store: SessionStore | None) -> BatchItem:
    """The finished task's entry, its session stored; a task the cluster lost is a failed entry."""
    if future.status == "error":
        exc = future.exception()
        log.warning("the cluster could not review %s: %r", task.path, exc)
        return BatchItem(file=task.file, status="failed", message=f"the cluster could not review it ({exc!r})")
    result: TaskResult = future.result()
    return store_result(result, store)
