"""The report of a session: :class:`SessionResult`, its JSON view (contract in DESIGN.md, schema
``spinesafe.report/1``) and the per-rep CSV table.

The HTML report (:mod:`spinesafe.feedback.html_report`) and the session store
(:mod:`spinesafe.feedback.store`) are other views of the same :class:`SessionResult`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from spinesafe import __version__
from spinesafe.classifiers.analyser import FrameState
from spinesafe.classifiers.events import (
    FlexionEnded,
    HoldCompleted,
    RepCompleted,
    TwistEnded,
    UnsafeMovementEnded,
    ViewUnsuitable,
)
from spinesafe.classifiers.exercises import ExerciseSpec, Kind
from spinesafe.classifiers.flexion import Neutral
from spinesafe.classifiers.segments import Segment
from spinesafe.errors import OutputError
from spinesafe.feedback.cues import Cue

SCHEMA = "spinesafe.report/1"

FLEXION_METHOD_NOTE = (
    "BlazePose has no spine landmarks: rounding is inferred from the ear-shoulder-hip alignment "
    "against the person's neutral, which a hip hinge with a straight back leaves unchanged, and "
    "from the trunk closing on a straight-kneed thigh beyond what the hamstrings allow the hips "
    "(a toe touch). A side view is best; from the front, flexion is not judged."
)

SERIES_FIELDS = ("t_s", "primary_deg", "flexion_deg", "trunk_inclination_deg")


class TimeSeries:
    """Per-frame values for the timeline plot, kept compactly: 20 bytes a frame (2 MB an hour at 30 fps).

    ``t_s`` in seconds (float64); ``primary_deg`` (the exercise's primary angle), ``flexion_deg``
    (trunk rounding against neutral) and ``trunk_inclination_deg`` (trunk against vertical) as
    float32, NaN where the analyser had no value (no person, joint not seen).
    """

    __slots__ = ("_columns",)

    def __init__(self) -> None:
        self._columns: dict[str, array[float]] = {name: array("d" if name == "t_s" else "f") for name in SERIES_FIELDS}

    def append(self, state: FrameState) -> None:
        for name, column in self._columns.items():
            column.append(getattr(state, name))

    def __len__(self) -> int:
        return len(self._columns["t_s"])

    def column(self, name: str) -> np.ndarray:
        """(n,) float64 copy of one column (one of :data:`SERIES_FIELDS`)."""
        return np.array(self._columns[name], dtype=np.float64)


@dataclass(frozen=True)
class KeyFrame:
    """A picture from the annotated video for the report: JPEG bytes, its time and why it was kept."""

    t_s: float
    label: str
    jpeg: bytes = field(repr=False)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


UNSURE_NAME = "not sure"


@dataclass
class SegmentResult:
    """One segment of a recording (``--exercise auto``): where the recogniser put it, and what its
    own analysis (``spec``, counters started afresh) found in its frames."""

    segment: Segment
    spec: ExerciseSpec
    reps: list[RepCompleted] = field(default_factory=list)
    flexion_events: list[FlexionEnded] = field(default_factory=list)
    holds: list[HoldCompleted] = field(default_factory=list)
    twist_events: list[TwistEnded] = field(default_factory=list)
    view_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rep_count(self) -> int:
        return sum(1 for r in self.reps if r.complete)

    @property
    def label(self) -> str:
        """The exercise id, or ``unsure`` when the recogniser was not sure (the reps are then
        counted as its best guess, ``spec``)."""
        return self.segment.label

    @property
    def name(self) -> str:
        return self.spec.name if self.segment.sure else UNSURE_NAME


@dataclass
class SessionResult:
    """Everything one analysed source produced; the report is a view of it."""

    source: str
    mode: str  # "review" (video file), "replay" (landmark recording), "live"
    spec: ExerciseSpec
    estimator: str
    fps: float
    duration_s: float = 0.0
    frames: int = 0
    frames_with_person: int = 0
    truncated: bool = False
    reps: list[RepCompleted] = field(default_factory=list)
    flexion_events: list[FlexionEnded] = field(default_factory=list)
    holds: list[HoldCompleted] = field(default_factory=list)
    twist_events: list[TwistEnded] = field(default_factory=list)
    view_warnings: list[ViewUnsuitable] = field(default_factory=list)
    # Episodes of movements to avoid (toe touch, sit-up, ...), whatever the exercise was.
    unsafe_movements: list[UnsafeMovementEnded] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    view_counts: dict[str, int] = field(default_factory=dict)
    neutral: Neutral | None = None
    notes: list[str] = field(default_factory=list)
    patient: str = "default"
    # Set when the exercise was recognised (``--exercise auto``): (confidence in [0, 1], sure?)
    exercise_confidence: float | None = None
    exercise_sure: bool = True
    started_at: datetime = field(default_factory=utc_now)
    series: TimeSeries = field(default_factory=TimeSeries, repr=False)
    key_frames: list[KeyFrame] = field(default_factory=list, repr=False)
    # ``--exercise auto``: the segments, each analysed with its own exercise; ``reps`` etc. above
    # hold the events of all of them, in time order.
    segments: list[SegmentResult] = field(default_factory=list)

    @property
    def counted_reps(self) -> list[RepCompleted]:
        """The reps of the reported exercise (``spec``): all reps, or with several segments those of
        the segments analysed as ``spec``."""
        if len(self.segments) <= 1:
            return self.reps
        return [r for s in self.segments if s.spec.id == self.spec.id for r in s.reps]

    @property
    def rep_count(self) -> int:
        return sum(1 for r in self.counted_reps if r.complete)

    @property
    def main_view(self) -> str:
        views = self.view_counts
        return max(views, key=lambda v: views[v]) if views else "unknown"


def rep_flags(result: SessionResult, rep: RepCompleted) -> list[str]:
    """Plain words for what was notable in one rep: partial, cut by the source, back rounded, twisted."""
    flags: list[str] = []
    if not rep.complete:
        flags.append("partial (not counted)")
    if rep.truncated:
        flags.append("cut by the start or end of the recording")
    for event in result.flexion_events:
        if event.start_s <= rep.end_s and event.end_s >= rep.start_s:
            flags.append(f"back rounded ({event.severity.value}, peak {event.peak_deg:.0f} deg)")
    if any(e.start_s <= rep.end_s and e.end_s >= rep.start_s for e in result.twist_events):
        flags.append("trunk twisted")
    return flags


def _r(x: float, nd: int = 2) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def _rep_json(result: SessionResult, r: RepCompleted) -> dict[str, Any]:
    return {
        "number": r.number,
        "complete": r.complete,
        "truncated": r.truncated,
        "start_s": _r(r.start_s, 3),
        "turn_s": _r(r.turn_s, 3),
        "end_s": _r(r.end_s, 3),
        "duration_s": _r(r.duration_s, 3),
        "range_of_motion_deg": _r(r.range_of_motion_deg, 1),
        "turn_angle_deg": _r(r.turn_angle_deg, 1),
        "peak_trunk_flexion_deg": _r(r.peak_trunk_flexion_deg, 1),
        "flags": rep_flags(result, r),
    }


def _flexion_json(e: FlexionEnded) -> dict[str, Any]:
    return {
        "start_s": _r(e.start_s, 3),
        "end_s": _r(e.end_s, 3),
        "peak_s": _r(e.peak_s, 3),
        "peak_deg": _r(e.peak_deg, 1),
        "severity": e.severity.value,
        "view": e.view,
        "proxies": list(e.proxies),
    }


def _hold_json(h: HoldCompleted) -> dict[str, Any]:
    return {
        "exercise": h.exercise,
        "start_s": _r(h.start_s, 3),
        "end_s": _r(h.end_s, 3),
        "held_s": _r(h.held_s, 2),
        "target_s": _r(h.target_s, 2),
        "complete": h.complete,
    }


def unsafe_json(e: UnsafeMovementEnded) -> dict[str, Any]:
    """One ``unsafe_movements`` entry: ``t_s`` when the warning was given, the episode's ``start_s``
    and ``end_s`` (its first and last 2 s window with the pattern, by their middle and end)."""
    return {
        "t_s": _r(e.warned_s, 3),
        "start_s": _r(e.start_s, 3),
        "end_s": _r(e.end_s, 3),
        "pattern": e.pattern,
        "confidence": _r(e.confidence, 3),
    }


def _twist_json(e: TwistEnded) -> dict[str, Any]:
    return {"start_s": _r(e.start_s, 3), "end_s": _r(e.end_s, 3), "peak_deg": _r(e.peak_deg, 1)}


def segments_json(result: SessionResult) -> list[dict[str, Any]]:
    """The ``segments`` of the JSON report: always at least one. With ``--exercise auto`` one per
    segment the recogniser found; otherwise one for the whole recording with the exercise given
    (``confidence`` null). See :func:`build_report`."""
    end = _r(result.duration_s, 3)
    if not result.segments:
        whole = SegmentResult(
            Segment(0.0, result.duration_s, 0.0, result.duration_s, result.spec.id, math.nan, sure=True),
            result.spec,
            reps=result.reps,
            flexion_events=result.flexion_events,
            holds=result.holds,
            twist_events=result.twist_events,
            view_counts=result.view_counts,
        )
        segments = [whole]
    else:
        segments = result.segments
    out = []
    for number, s in enumerate(segments, start=1):
        seg = s.segment
        out.append(
            {
                "number": number,
                "start_s": _r(seg.start_s, 3),
                "end_s": _r(seg.end_s, 3),
                "analysed_from_s": _r(max(seg.analysed_from_s, 0.0), 3),
                "analysed_to_s": _r(seg.analysed_to_s, 3) if seg.analysed_to_s < result.duration_s else end,
                "exercise": s.label,
                "exercise_name": s.name,
                "analysed_as": s.spec.id,
                "confidence": _r(seg.confidence, 3) if result.exercise_confidence is not None else None,
                "sure": seg.sure,
                "unsafe_pattern": s.spec.kind is Kind.UNSAFE,
                "rep_count": s.rep_count,
                "partial_rep_count": sum(1 for r in s.reps if not r.complete),
                "reps": [_rep_json(result, r) for r in s.reps],
                "flexion_events": [_flexion_json(e) for e in s.flexion_events],
                "twist_events": [_twist_json(e) for e in s.twist_events],
                "holds": [_hold_json(h) for h in s.holds],
            }
        )
    return out


def build_report(result: SessionResult) -> dict[str, Any]:
    """The JSON report (``spinesafe.report/1``; the contract is in DESIGN.md).

    ``segments`` lists which exercise was done when: with ``--exercise auto`` one entry per
    segment the recogniser found, else one for the whole recording. With several segments the
    top-level ``exercise``, ``rep_count``, ``partial_rep_count`` and ``reps`` are those of the
    exercise with the most time (``segment_count`` > 1 says so); ``flexion_events``,
    ``twist_events``, ``holds``, ``unsafe_movements`` and ``cues`` always cover the whole recording.
    ``unsafe_movements`` lists the episodes of movements to avoid, whatever exercise was chosen
    (see :func:`unsafe_json`).
    """
    spec = result.spec
    neutral = result.neutral
    views = result.view_counts
    counted = result.counted_reps
    segments = segments_json(result)
    return {
        "schema": SCHEMA,
        "app_version": __version__,
        "source": result.source,
        "mode": result.mode,
        "patient": result.patient,
        "estimator": result.estimator,
        "exercise": spec.id,
        "exercise_recognised": result.exercise_confidence is not None,
        "exercise_confidence": _r(result.exercise_confidence, 3) if result.exercise_confidence is not None else None,
        "exercise_sure": result.exercise_sure,
        "exercise_name": spec.name,
        "segment_count": len(segments),
        "duration_s": _r(result.duration_s, 3),
        "fps": _r(result.fps, 3),
        "frames": result.frames,
        "frames_with_person": result.frames_with_person,
        "person_detected": result.frames_with_person > 0,
        "truncated": result.truncated,
        "rep_count": result.rep_count,
        "partial_rep_count": sum(1 for r in counted if not r.complete),
        "reps": [_rep_json(result, r) for r in counted],
        "segments": segments,
        "flexion_events": [_flexion_json(e) for e in result.flexion_events],
        "holds": [_hold_json(h) for h in result.holds],
        "twist_events": [_twist_json(e) for e in result.twist_events],
        "unsafe_movements": [unsafe_json(e) for e in result.unsafe_movements],
        "cues": [c.to_json() for c in result.cues],
        "views": {"frames_per_view": views, "main_view": result.main_view},
        "view_warnings": [
            {"t_s": _r(w.t_s, 3), "view": w.view, "judgement": w.judgement, "advice": w.advice}
            for w in result.view_warnings
        ],
        "calibration": {
            "done": bool(neutral and neutral.calibrated),
            "neutral_neck_curl_deg": _r(neutral.neck_curl_deg, 1) if neutral else None,
            "note": "calibrated"
            if neutral and neutral.calibrated
            else "not calibrated: neutral learnt from the first upright second, or a default",
        },
        "flexion_method": FLEXION_METHOD_NOTE,
        "key_frames": [{"t_s": _r(k.t_s, 3), "label": k.label} for k in result.key_frames],
        "notes": result.notes,
    }


REP_COLUMNS = (
    "number",
    "complete",
    "truncated",
    "start_s",
    "turn_s",
    "end_s",
    "duration_s",
    "range_of_motion_deg",
    "turn_angle_deg",
    "peak_trunk_flexion_deg",
    "flags",
)


SEGMENT_COLUMNS = ("segment", "exercise")


def reps_csv(report: dict[str, Any]) -> str:
    """The per-rep table of a JSON report as CSV text (one row per rep, partial reps included).

    With several segments every segment's reps are listed, after a ``segment`` number and its
    ``exercise`` (``unsure`` when the recogniser was not sure); rep numbers restart per segment.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    segments = report.get("segments", [])
    several = len(segments) > 1
    writer.writerow((*SEGMENT_COLUMNS, *REP_COLUMNS) if several else REP_COLUMNS)
    rows = (
        [([s["number"], s["exercise"]], rep) for s in segments for rep in s["reps"]]
        if several
        else [([], rep) for rep in report["reps"]]
    )
    for lead, rep in rows:
        row = [rep[c] for c in REP_COLUMNS]
        row[-1] = "; ".join(rep["flags"])
        writer.writerow(["" if v is None else v for v in [*lead, *row]])
    return out.getvalue()


def publish(tmp: Path, path: Path) -> None:
    """Rename a finished temporary file onto ``path`` with the permissions a new file would get
    (``mkstemp`` makes files only the owner can read)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def write_text(text: str | bytes, path: str | Path, what: str = "the report") -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a file."""
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            publish(Path(tmp), path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write {what} ({exc.strerror or exc})") from exc
    return path


def write_json(report: dict[str, Any], path: str | Path) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a report."""
    return write_text(json.dumps(report, indent=2) + "\n", path)
