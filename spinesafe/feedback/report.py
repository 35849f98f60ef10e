"""The JSON report of a session (contract in DESIGN.md, schema ``spinesafe.report/1``)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinesafe import __version__
from spinesafe.classifiers.events import FlexionEnded, HoldCompleted, RepCompleted, TwistEnded, ViewUnsuitable
from spinesafe.classifiers.exercises import ExerciseSpec
from spinesafe.classifiers.flexion import Neutral
from spinesafe.errors import OutputError
from spinesafe.feedback.cues import Cue

SCHEMA = "spinesafe.report/1"

FLEXION_METHOD_NOTE = (
    "BlazePose has no spine landmarks: rounding is inferred from the ear-shoulder-hip alignment "
    "against the person's neutral, which a hip hinge with a straight back leaves unchanged. "
    "A side view is best; from the front, flexion is not judged."
)


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
    cues: list[Cue] = field(default_factory=list)
    view_counts: dict[str, int] = field(default_factory=dict)
    neutral: Neutral | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rep_count(self) -> int:
        return sum(1 for r in self.reps if r.complete)


def _r(x: float, nd: int = 2) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def build_report(result: SessionResult) -> dict[str, Any]:
    spec = result.spec
    neutral = result.neutral
    views = result.view_counts
    main_view = max(views, key=lambda v: views[v]) if views else "unknown"
    return {
        "schema": SCHEMA,
        "app_version": __version__,
        "source": result.source,
        "mode": result.mode,
        "estimator": result.estimator,
        "exercise": spec.id,
        "exercise_name": spec.name,
        "duration_s": _r(result.duration_s, 3),
        "fps": _r(result.fps, 3),
        "frames": result.frames,
        "frames_with_person": result.frames_with_person,
        "person_detected": result.frames_with_person > 0,
        "truncated": result.truncated,
        "rep_count": result.rep_count,
        "partial_rep_count": sum(1 for r in result.reps if not r.complete),
        "reps": [
            {
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
            }
            for r in result.reps
        ],
        "flexion_events": [
            {
                "start_s": _r(e.start_s, 3),
                "end_s": _r(e.end_s, 3),
                "peak_s": _r(e.peak_s, 3),
                "peak_deg": _r(e.peak_deg, 1),
                "severity": e.severity.value,
                "view": e.view,
                "proxies": list(e.proxies),
            }
            for e in result.flexion_events
        ],
        "holds": [
            {
                "exercise": h.exercise,
                "start_s": _r(h.start_s, 3),
                "end_s": _r(h.end_s, 3),
                "held_s": _r(h.held_s, 2),
                "target_s": _r(h.target_s, 2),
                "complete": h.complete,
            }
            for h in result.holds
        ],
        "twist_events": [
            {"start_s": _r(e.start_s, 3), "end_s": _r(e.end_s, 3), "peak_deg": _r(e.peak_deg, 1)}
            for e in result.twist_events
        ],
        "cues": [c.to_json() for c in result.cues],
        "views": {"frames_per_view": views, "main_view": main_view},
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
        "notes": result.notes,
    }


def write_json(report: dict[str, Any], path: str | Path) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a report."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the report ({exc.strerror or exc})") from exc
    return path
