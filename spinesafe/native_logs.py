"""Native libraries' log lines (TensorFlow Lite, MediaPipe's glog/absl, OpenCV, FFmpeg) kept off stderr.

On every run MediaPipe's C++ writes, straight to file descriptor 2::

    INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    W0000 00:00:1796635356.597076   10056 inference_feedback_manager.cc:114] Feedback manager requires ...

and OpenCV adds ``[ WARN:0@0.013] ... can't open camera by index`` for a missing camera, every
second while it retries. None of this means anything to the person exercising. In mediapipe
0.10.21 neither ``GLOG_minloglevel`` nor ``TF_CPP_MIN_LOG_LEVEL`` stops these lines (absl logging
ignores them; both are still set, for builds that honour them), so :func:`quiet_native_logs`
also puts a pipe in front of fd 2 and a thread that drops the known native patterns and passes
every other byte through: Python warnings, tracebacks and spinesafe's own messages still arrive.
Python's own ``sys.stderr`` is moved to a copy of the real stderr while the filter runs, so
Python output never waits on the filter (and a terminal is still seen as one: progress bars).
``--verbose`` leaves everything as it was. Error-level glog lines (``E``/``F``) pass through: they
may explain a failure; FFmpeg's decoder complaints do not (spinesafe reports a damaged video itself).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import select
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

import cv2

# One pattern per producer; a line is dropped only when it matches one from its start.
NATIVE_LOG_LINE = re.compile(
    rb"^(?:"
    rb"INFO: "  # TensorFlow Lite's minimal logging ("INFO: Created TensorFlow Lite XNNPACK delegate")
    rb"|WARNING: All log messages before absl::InitializeLog\(\)"  # absl's one-off notice
    rb"|[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^ \]]+:\d+\] "  # glog/absl info and warning lines
    rb"|\[ ?(?:INFO|WARN|DEBUG):\d+@[\d.]+\] "  # OpenCV's logger ("[ WARN:0@0.013] global cap_v4l.cpp")
    rb"|\[[\w,]+ @ 0x[0-9a-fA-F]+\] "  # FFmpeg via OpenCV or PyAV ("[h264 @ 0x55d0c0] error while ...")
    # OpenCV on macOS, probing camera indices (not its "not authorized to capture video": that one matters)
    rb"|OpenCV: (?:out device of bound|camera failed to properly initiali[sz]e)"
    rb")"
)
# spinesafe logs "INFO: ..." only with --verbose, when nothing is filtered; its "WARNING: ..."
# lines do not match (only absl's one fixed WARNING sentence is dropped).

NATIVE_ENV = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3", "OPENCV_LOG_LEVEL": "ERROR"}
OPENCV_QUIET = 1  # cv2 LOG_LEVEL_FATAL: drops OpenCV's info, warnings and errors ("Camera index out of range")
PARTIAL_LINE_WAIT_S = 0.1  # a line without its end (a progress bar, a prompt) is passed on after this pause
POLL_S = 0.25  # how often an idle filter checks whether it should stop


def is_native_log_line(line: bytes) -> bool:
    """True for a line (bytes, with or without its end) a native library logged for its developers."""
    return NATIVE_LOG_LINE.match(line) is not None


def _split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (each with its ``\\n`` or ``\\r``) and the unfinished rest."""
    lines = re.findall(rb"[^\r\n]*[\r\n]", buffer)
    used = sum(len(line) for line in lines)
    return lines, buffer[used:]


class _Fd2Filter:
    """fd 2 -> pipe -> this thread -> the real stderr, minus native log lines."""

    def __init__(self) -> None:
        self.real = os.dup(2)  # where the lines that pass go
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self._read_end = read_end
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="spinesafe-native-logs", daemon=True)
        self._thread.start()

    def _write(self, data: bytes) -> None:
        while data:
            try:
                written = os.write(self.real, data)
            except OSError:  # the terminal is gone: nothing to tell anyone
                return
            data = data[written:]

    def _pass(self, lines: list[bytes]) -> None:
        kept = b"".join(line for line in lines if not is_native_log_line(line))
        if kept:
            self._write(kept)

    def _run(self) -> None:
        pending = b""
        while True:
            ready, _, _ = select.select([self._read_end], [], [], PARTIAL_LINE_WAIT_S if pending else POLL_S)
            if ready:
                chunk = os.read(self._read_end, 65536)
                if not chunk:  # every writer closed: fd 2 was restored
                    break
                lines, pending = _split_lines(pending + chunk)
                self._pass(lines)
                continue
            if pending:  # the rest of the line is not coming soon
                self._pass([pending])
                pending = b""
            if self._stop.is_set():
                break
        self._pass([pending] if pending else [])
        os.close(self._read_end)

    def close(self) -> None:
        """Restore fd 2 and pass on what is still in the pipe."""
        os.dup2(self.real, 2)  # closes the pipe's write end held by fd 2
        self._stop.set()  # a child process may still hold the write end: do not wait for its EOF
        self._thread.join(timeout=2.0)
        os.close(self.real)


def _is_real_stderr(stream: object) -> bool:
    """True when ``stream`` writes to fd 2 itself (not a test's capture or a redirect to a buffer)."""
    try:
        return stream is not None and stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return False


@contextlib.contextmanager
def quiet_native_logs(enabled: bool = True) -> Iterator[None]:
    """Within the block, native libraries' debug and info logging does not reach stderr.

    Set before MediaPipe starts (its log settings are read when its graph is created); OpenCV's
    level is set at once. Python's stderr keeps working throughout. Without ``select`` on pipes
    (Windows) only the settings apply.
    """
    if not enabled:
        yield
        return
    saved_env = {key: os.environ.get(key) for key in NATIVE_ENV}
    for key, value in NATIVE_ENV.items():
        os.environ.setdefault(key, value)
    saved_level = cv2.getLogLevel()
    cv2.setLogLevel(OPENCV_QUIET)
    fd_filter: _Fd2Filter | None = None
    python_stderr = sys.stderr
    copy: TextIO | None = None
    try:
        # Only a real process's stderr is filtered: a test capturing sys.stderr in-process keeps its fds.
        if sys.platform != "win32" and _is_real_stderr(python_stderr):
            python_stderr.flush()
            fd_filter = _Fd2Filter()
            copy = open(  # noqa: SIM115 - closed in the finally below, after sys.stderr is given back
                os.dup(fd_filter.real),
                "w",
                buffering=1,
                encoding=python_stderr.encoding,
                errors=python_stderr.errors,
            )
            sys.stderr = copy
        yield
    finally:
        if copy is not None:
            copy.flush()
            sys.stderr = python_stderr
            copy.close()
        if fd_filter is not None:
            fd_filter.close()
        cv2.setLogLevel(saved_level)
        for key, old in saved_env.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
