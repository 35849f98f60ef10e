"""What ``spinesafe review FOLDER`` shows while it runs: every running video, and a line per result."""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from spinesafe.session.batch import BatchItem

REDRAW_S = 0.2  # the live block is redrawn at most this often (a result redraws it at once)
BAR_WIDTH = 20


def result_line(item: BatchItem) -> str:
    if item.status == "ok":
        return (
            f"ok      {item.file}: {item.rep_count} reps, {item.flexion_events} flexion events"
            + (f", {item.unsafe_movements} movements to avoid" if item.unsafe_movements else "")
            + (" (truncated)" if item.truncated else "")
        )
    return f"FAILED  {item.file}: {item.message}"


@dataclass
class _Running:
    label: str
    done: int = 0
    total: int = 0
    since: float = field(default_factory=time.monotonic)

    def line(self, width: int) -> str:
        rate = self.done / max(time.monotonic() - self.since, 1e-6)
        if self.done == 0:
            return f"{self.label} starting"[: max(width - 1, 10)]
        if self.total > 0:
            frac = min(self.done / self.total, 1.0)
            text = f"{self.label} [{'#' * int(BAR_WIDTH * frac):<{BAR_WIDTH}}] {self.done}/{self.total} frames"
        else:
            text = f"{self.label} {self.done} frames"
        return f"{text}  {rate:5.1f} fps"[: max(width - 1, 10)]  # never wraps: the redraw counts lines


class BatchDisplay:
    """A :class:`~spinesafe.session.batch.BatchObserver` for the terminal.

    Results go to ``out`` as ``ok ...`` / ``FAILED ...`` lines. Progress goes to ``err``: on a terminal,
    one line per running video, redrawn in place; otherwise (a log file, a pipe) one plain line when a
    video starts; with ``quiet``, nothing.
    """

    def __init__(self, *, quiet: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet
        self.live = not quiet and self.err.isatty()
        self._running: dict[int, _Running] = {}
        self._drawn = 0
        self._last_draw = 0.0

    def started(self, index: int, total: int, path: Path) -> None:
        label = f"[{index}/{total}] {path.name}"
        self._running[index] = _Running(label)
        if self.live:
            self._draw()
        elif not self.quiet:
            self.err.write(f"{label}: started\n")
            self.err.flush()

    def progress(self, index: int, done: int, total: int) -> None:
        running = self._running.get(index)
        if running is None:
            return
        running.done, running.total = done, total
        if self.live and time.monotonic() - self._last_draw >= REDRAW_S:
            self._draw()

    def finished(self, index: int, item: BatchItem) -> None:
        self._running.pop(index, None)
        self._clear()
        self.out.write(result_line(item) + "\n")
        self.out.flush()
        if self.live:
            self._draw()

    def close(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self._drawn:
            self.err.write(f"\x1b[{self._drawn}F\x1b[J")  # up to the block's first line, erase to the end
            self.err.flush()
            self._drawn = 0

    def _draw(self) -> None:
        self._clear()
        width = shutil.get_terminal_size().columns
        lines = [r.line(width) for _, r in sorted(self._running.items())]
        if lines:
            self.err.write("".join(f"{line}\n" for line in lines))
            self.err.flush()
        self._drawn = len(lines)
        self._last_draw = time.monotonic()
