"""`prefetch`: the background stage of the review pipeline (decoding, pose estimation)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from spinesafe.errors import VideoDecodeError
from spinesafe.session.inputs import prefetch


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name == "spinesafe-prefetch"}


def test_items_arrive_in_order_from_another_thread() -> None:
    seen: list[str] = []

    def numbers() -> Iterator[int]:
        for i in range(50):
            seen.append(threading.current_thread().name)
            yield i

    assert list(prefetch(numbers(), size=3)) == list(range(50))
    assert set(seen) == {"spinesafe-prefetch"}
    assert not _threads()


def test_an_error_is_raised_in_the_consumer_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise VideoDecodeError("clip.mp4: no frame could be decoded")

    got: list[int] = []
    with pytest.raises(VideoDecodeError, match="no frame could be decoded"):
        for item in prefetch(failing()):
            got.append(item)
    assert got == [1, 2]


def test_leaving_early_stops_both_nested_stages_and_closes_the_source() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    outer = prefetch((x * 2 for x in prefetch(endless(), size=2)), size=2)
    assert [next(outer) for _ in range(5)] == [0, 2, 4, 6, 8]
    outer.close()
    assert closed.wait(5.0), "the innermost generator was closed"
    deadline = time.monotonic() + 5.0
    while _threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _threads()
