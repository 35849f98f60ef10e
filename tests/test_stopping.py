"""Stop requests from signal handlers wait for the review's safe point (spinesafe.session.stopping)."""

from __future__ import annotations

import os
import signal

import pytest

from spinesafe.commands.arguments import sigterm_as_interrupt
from spinesafe.session.stopping import Terminated, request_stop, safe_point, safe_points


def test_outside_the_frame_loop_a_stop_is_raised_at_once() -> None:
    with pytest.raises(Terminated):
        request_stop(Terminated)


def test_inside_the_frame_loop_a_stop_waits_for_the_next_safe_point() -> None:
    reached = []
    with pytest.raises(Terminated), safe_points():
        for frame in range(5):
            safe_point()
            reached.append(frame)
            if frame == 2:
                request_stop(Terminated)  # as the handler would, mid-frame
                reached.append("after the request")
    assert reached == [0, 1, 2, "after the request"]
    safe_point()  # nothing left pending


def test_a_stop_requested_in_the_last_frame_is_raised_when_the_loop_ends() -> None:
    with pytest.raises(KeyboardInterrupt), safe_points():
        request_stop(KeyboardInterrupt)
    safe_point()


def test_sigterm_and_ctrl_c_reach_the_safe_point_through_the_handlers() -> None:
    for signum, kind in ((signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)):
        with sigterm_as_interrupt(), pytest.raises(kind), safe_points():
            os.kill(os.getpid(), signum)  # the handler runs here, in this (the main) thread
            for _ in range(100):  # a signal is handled between bytecodes: give it a few
                pass
            safe_point()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
