"""Stopping a review at a safe point when SIGTERM or Ctrl+C arrives.

Python raises a signal handler's exception in the main thread between any two bytecodes: inside a
queue's or a condition's locking as well, where it can leave a lock held that the video worker or
the speech thread then waits on for ever (a review killed with SIGTERM hung once in ~10 full test
runs). Within :func:`safe_points` the handlers only note the request, and the frame loop raises it
at :func:`safe_point`, once a frame, where no lock is held; outside, they raise at once as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl+C would be, so that the same clean-up runs (partial outputs removed,
    the stored session marked interrupted); the CLI exits with 143."""


_deferring = 0
_pending: type[KeyboardInterrupt] | None = None


def request_stop(kind: type[KeyboardInterrupt]) -> None:
    """From a signal handler: raise ``kind`` now, or at the next :func:`safe_point` within
    :func:`safe_points`."""
    global _pending
    if _deferring:
        _pending = _pending or kind
        return
    raise kind


def safe_point() -> None:
    """Raise a stop requested since the last call (the frame loop calls this once a frame)."""
    global _pending
    if _pending is not None:
        kind, _pending = _pending, None
        raise kind


@contextmanager
def safe_points() -> Iterator[None]:
    """Within the block, stop requests wait for :func:`safe_point`; one still waiting at the end of
    the block is raised there."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    safe_point()  # reached only when the block ended without an exception of its own
