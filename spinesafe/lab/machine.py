"""How busy the machine is, for benchmark scripts that time whole runs on a shared machine."""

from __future__ import annotations

import os
import time
from pathlib import Path


def idle_fraction(window_s: float = 2.0) -> float:
    """Share of the machine's CPU time that was idle over ``window_s`` (Linux /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle + iowait, total

    idle0, total0 = sample()
    time.sleep(window_s)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_until_idle(min_idle: float, timeout_s: float = 600.0) -> float:
    """Wait (up to ``timeout_s``) until other programs leave the CPU at least ``min_idle`` idle."""
    deadline = time.monotonic() + timeout_s
    while True:
        idle = idle_fraction()
        if idle >= min_idle or time.monotonic() > deadline:
            return idle
        print(f"  waiting for a quiet machine: {100 * idle:.0f}% idle", flush=True)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, for printing beside a figure."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())
