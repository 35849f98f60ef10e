"""The command line when the reader of its output goes away (`spinesafe programs FILE | head -1`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_closed_output_pipe_ends_quietly_with_141() -> None:
    programme = REPO / "samples" / "programs" / "physio_telehealth.toml"
    with subprocess.Popen(
        [sys.executable, "-m", "spinesafe", "programs", str(programme)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # before the program writes its first line: every write then fails
        stderr = process.stderr.read()
        process.wait(timeout=60)
    assert process.returncode == 141, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
