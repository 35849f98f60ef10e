"""``spinesafe review FOLDER``: every video and recording of a folder, one failure not stopping the rest."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinesafe.errors import InputFileError, SpinesafeError
from spinesafe.session.inputs import RECORDING_SUFFIX, VIDEO_SUFFIXES, Progress
from spinesafe.session.review import run_review

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchItem:
    """One entry of a batch: ``status`` ok / failed / skipped."""

    file: str
    status: str
    output: Path | None = None
    message: str = ""
    rep_count: int | None = None
    partial_rep_count: int | None = None
    flexion_events: int | None = None
    unsafe_movements: int | None = None
    duration_s: float | None = None
    truncated: bool | None = None
    seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["output"] = str(self.output) if self.output is not None else None
        return data


@dataclass(frozen=True)
class BatchPlan:
    """What a folder holds: inputs to analyse (with their output folder names) and entries skipped."""

    inputs: list[tuple[Path, str]]
    skipped: list[BatchItem]


def plan_folder(folder: str | Path) -> BatchPlan:
    """Videos and recordings in ``folder`` (not its subfolders), in name order, each with a unique
    output folder name (its stem, or stem_suffix when two share a stem); other entries are skipped
    with the reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputFileError(f"{folder}: no such folder")
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputFileError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from exc
    inputs: list[Path] = []
    skipped: list[BatchItem] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        suffix = entry.suffix.lower()
        reason = ""
        if entry.is_symlink() and not entry.exists():
            reason = "broken link"
        elif entry.is_dir():
            reason = "a folder (subfolders are not searched)"
        elif suffix not in VIDEO_SUFFIXES and suffix != RECORDING_SUFFIX:
            reason = "not a video file"
        elif not entry.is_file():
            reason = "not a regular file"
        elif not os.access(entry, os.R_OK):
            reason = "cannot be read (permission denied)"
        if reason:
            skipped.append(BatchItem(file=entry.name, status="skipped", message=reason))
        else:
            inputs.append(entry)
    stems = [p.stem for p in inputs]
    named = [(p, p.stem if stems.count(p.stem) == 1 else f"{p.stem}_{p.suffix.lstrip('.').lower()}") for p in inputs]
    return BatchPlan(named, skipped)


def review_folder(
    plan: BatchPlan,
    exercise: str,
    out_dir: str | Path,
    *,
    on_start: Callable[[int, int, Path], Progress | None] | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
    **review_options: Any,
) -> list[BatchItem]:
    """Review every input of ``plan`` into ``out_dir/<name>/``; a failure is recorded and the batch
    goes on. ``on_start(i, n, path)`` may return a per-video progress callback."""
    out = Path(out_dir)
    items: list[BatchItem] = []
    for i, (path, name) in enumerate(plan.inputs, start=1):
        progress = on_start(i, len(plan.inputs), path) if on_start is not None else None
        started = time.monotonic()
        try:
            outputs = run_review(path, exercise, out_dir=out / name, progress=progress, **review_options)
        except (SpinesafeError, OSError, ValueError, RuntimeError) as exc:
            log.debug("review of %s failed", path, exc_info=True)
            with contextlib.suppress(OSError):  # only removed when empty: nothing was written there
                (out / name).rmdir()
            item = BatchItem(
                file=path.name, status="failed", message=str(exc), seconds=round(time.monotonic() - started, 2)
            )
        else:
            item = BatchItem(
                file=path.name,
                status="ok",
                output=out / name,
                message="truncated: only the readable part was analysed" if outputs.result.truncated else "",
                rep_count=outputs.result.rep_count,
                partial_rep_count=sum(1 for r in outputs.result.reps if not r.complete),
                flexion_events=len(outputs.result.flexion_events),
                unsafe_movements=len(outputs.result.unsafe_movements),
                duration_s=round(outputs.result.duration_s, 3),
                truncated=outputs.result.truncated,
                seconds=round(time.monotonic() - started, 2),
            )
        items.append(item)
        if on_done is not None:
            on_done(item)
    return items
