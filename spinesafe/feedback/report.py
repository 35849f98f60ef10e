"""The report of a session: the JSON view of a :class:`~spinesafe.feedback.result.SessionResult`
(contract in DESIGN.md, schema ``spinesafe.report/2``), for one exercise or a live programme,
and the per-rep CSV table.

The HTML report (:mod:`spinesafe.feedback.html_report`) and the session store
(:mod:`spinesafe.feedback.store`) are other views of the same result.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spinesafe import __version__
from spinesafe.classifiers.events import (
    FlexionEnded,
    HoldCompleted,
    PersonChangeEnded,
    RepCompleted,
    Severity,
    TwistEnded,
    UnsafeMovementEnded,
)
from spinesafe.classifiers.exercises import Kind
from spinesafe.classifiers.flexion import FlexionConfig, Neutral
from spinesafe.classifiers.reps import MIN_REP_SEEN_SHARE
from spinesafe.classifiers.segments import Segment
from spinesafe.errors import OutputError
from spinesafe.feedback.cues import Cue
from spinesafe.feedback.result import SegmentResult, SessionResult

# 2: ``tests``, the functional tests scored (issue 15); every key of 1 is unchanged.
SCHEMA = "spinesafe.report/2"

FLEXION_METHOD_NOTE = (
    "BlazePose has no spine landmarks: rounding is inferred from the ear-shoulder-hip alignment "
    "against the person's neutral, which a hip hinge with a straight back leaves unchanged, and "
    "from the trunk closing on a straight-kneed thigh beyond what the hamstrings allow the hips "
    "(a toe touch). A side view is best; from the front, flexion is not judged."
)


def rep_flags(result: SessionResult, rep: RepCompleted, thresholds: FlexionConfig | None = None) -> list[str]:
    """Plain words for what was notable in one rep: partial, cut by the source, back rounded, twisted.

    "Back rounded" follows the rep's own peak flexion (the table's column) against the
    ``thresholds`` applied (the result's by default): caution from ``caution_deg``, stop from
    ``stop_deg``. A flexion event that only touches the rep with its peak outside it does not flag
    the rep; a rounding too brief to be an event (under ``min_duration_s``) does, and says so.
    """
    config = thresholds or result.thresholds
    flags: list[str] = []
    if not rep.complete and rep.seen_share < MIN_REP_SEEN_SHARE:
        flags.append(f"not seen: the person was found in {rep.seen_share:.0%} of it (not counted)")
    elif not rep.complete:
        flags.append("partial (not counted)")
    if rep.truncated:
        flags.append("cut by the start or end of the recording")
    peak = rep.peak_trunk_flexion_deg
    if math.isfinite(peak) and peak >= config.caution_deg:
        severity = Severity.STOP if peak >= config.stop_deg else Severity.CAUTION
        event = any(e.start_s <= rep.end_s and e.end_s >= rep.start_s for e in result.flexion_events)
        brief = "" if event else f", for under {config.min_duration_s:g} s"
        flags.append(f"back rounded ({severity.value}, peak {peak:.0f} deg{brief})")
    if any(e.start_s <= rep.end_s and e.end_s >= rep.start_s for e in result.twist_events):
        flags.append("trunk twisted")
    return flags


def _r(x: float, nd: int = 2) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def thresholds_json(config: FlexionConfig) -> dict[str, float]:
    """The back-rounding thresholds applied: degrees of rounding beyond the person's neutral."""
    return {
        "caution_deg": round(config.caution_deg, 1),
        "stop_deg": round(config.stop_deg, 1),
        "min_duration_s": round(config.min_duration_s, 2),
    }


def thresholds_text(result: SessionResult) -> str:
    """The thresholds applied in words (per exercise when the segments' differ), for the HTML report."""
    configs: dict[str, FlexionConfig] = {}
    for segment in result.segments:
        configs.setdefault(segment.spec.name, segment.flexion_config or result.thresholds)
    if len(set(configs.values())) <= 1:
        configs = {"": result.thresholds}
    minimum = min(c.min_duration_s for c in configs.values())
    each = "; ".join(
        f"{name + ': ' if name else ''}caution from {c.caution_deg:g}°, stop from {c.stop_deg:g}°"
        for name, c in configs.items()
    )
    return (
        f"Thresholds applied ({each}) of back rounding beyond the neutral posture, held at least {minimum:g} s. "
        "A rep is flagged when its own peak reaches them."
    )


def _rep_json(result: SessionResult, r: RepCompleted, thresholds: FlexionConfig | None = None) -> dict[str, Any]:
    return {
        "number": r.number,
        "complete": r.complete,
        "truncated": r.truncated,
        "seen_share": _r(r.seen_share, 3),
        "start_s": _r(r.start_s, 3),
        "turn_s": _r(r.turn_s, 3),
        "end_s": _r(r.end_s, 3),
        "duration_s": _r(r.duration_s, 3),
        "range_of_motion_deg": _r(r.range_of_motion_deg, 1),
        "turn_angle_deg": _r(r.turn_angle_deg, 1),
        "peak_trunk_flexion_deg": _r(r.peak_trunk_flexion_deg, 1),
        "flags": rep_flags(result, r, thresholds),
    }


def back_judged_json(result: SessionResult) -> dict[str, Any]:
    """How much of the session the back could be judged in, overall and per view (fractions)."""
    total = sum(result.back_frames.values())
    return {
        "back_judged_share": _r(sum(result.back_judged.values()) / total, 3) if total else None,
        "back_judged_share_per_view": {
            view: _r(result.back_judged.get(view, 0) / n, 3) for view, n in result.back_frames.items() if n
        },
    }


def _flexion_json(e: FlexionEnded) -> dict[str, Any]:
    return {
        "start_s": _r(e.start_s, 3),
        "end_s": _r(e.end_s, 3),
        "peak_s": _r(e.peak_s, 3),
        "peak_deg": _r(e.peak_deg, 1),
        "severity": e.severity.value,  # the peak's
        "stop_s": _r(e.stop_s, 3) if e.stop_s is not None else None,  # when it reached stop (null: never)
        "view": e.view,
        "proxies": list(e.proxies),
        "visibility": _r(e.visibility, 2),
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


def person_change_json(e: PersonChangeEnded) -> dict[str, Any]:
    """One ``person_changes`` entry: someone else filled the picture from ``start_s`` to ``end_s``
    and nothing was counted or judged; ``outcome``: the patient ``returned``, the other person was
    ``adopted`` as the patient after a long while, or the recording ``ended``."""
    return {
        "start_s": _r(e.start_s, 3),
        "end_s": _r(e.end_s, 3),
        "paused_s": _r(e.paused_s, 2),
        "outcome": e.outcome,
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
                "flexion_thresholds": thresholds_json(s.flexion_config or result.thresholds),
                "reps": [_rep_json(result, r, s.flexion_config) for r in s.reps],
                "flexion_events": [_flexion_json(e) for e in s.flexion_events],
                "twist_events": [_twist_json(e) for e in s.twist_events],
                "holds": [_hold_json(h) for h in s.holds],
            }
        )
    return out


def _thresholds_of_main(result: SessionResult) -> FlexionConfig:
    """The thresholds of the reported exercise's segments (with several, the first one analysed as it)."""
    own = [s.flexion_config for s in result.segments if s.spec.id == result.spec.id and s.flexion_config]
    return own[0] if own else result.thresholds


def build_report(result: SessionResult, programme: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON report (``spinesafe.report/2``; the contract is in DESIGN.md) of one exercise.

    ``programme``: a live session's programme block (``programme`` key, last), for a live
    session of one exercise; several exercises give :func:`build_programme_report`.

    ``segments`` lists which exercise was done when: with ``--exercise auto`` one entry per
    segment the recogniser found, else one for the whole recording. With several segments the
    top-level ``exercise``, ``rep_count``, ``partial_rep_count`` and ``reps`` are those of the
    exercise with the most time (``segment_count`` > 1 says so); ``flexion_events``,
    ``twist_events``, ``holds``, ``unsafe_movements`` and ``cues`` always cover the whole recording.
    ``unsafe_movements`` lists the episodes of movements to avoid, whatever exercise was chosen
    (see :func:`unsafe_json`); ``person_changes`` the times someone else filled the picture and
    counting was paused (see :func:`person_change_json`). ``tests`` lists the functional tests scored
    (``review --test``): one object each with ``id``, ``count``, ``time_s``, ``stage_reached``,
    ``score``, ``norm`` (the cut-off applied and its source), ``phases`` (``name``, ``start_s``,
    ``end_s``) and ``notes``.
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
        "reps": [_rep_json(result, r, _thresholds_of_main(result)) for r in counted],
        "segments": segments,
        "flexion_events": [_flexion_json(e) for e in result.flexion_events],
        "holds": [_hold_json(h) for h in result.holds],
        "twist_events": [_twist_json(e) for e in result.twist_events],
        "unsafe_movements": [unsafe_json(e) for e in result.unsafe_movements],
        "person_changes": [person_change_json(e) for e in result.person_changes],
        "cues": [c.to_json() for c in result.cues],
        "views": {"frames_per_view": views, "main_view": result.main_view, **back_judged_json(result)},
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
        "flexion_thresholds": thresholds_json(_thresholds_of_main(result)),
        "key_frames": [{"t_s": _r(k.t_s, 3), "label": k.label} for k in result.key_frames],
        "tests": [t.to_json() for t in result.tests],
        "notes": result.notes,
        **({"programme": programme} if programme is not None else {}),
    }


def build_programme_report(
    results: Sequence[SessionResult],
    *,
    source: str,
    estimator: str,
    fps: float,
    name: str,
    duration_s: float,
    cues: Sequence[Cue],
    unsafe_movements: Sequence[UnsafeMovementEnded],
    neutral: Neutral | None,
    notes: list[str],
    programme: dict[str, Any],
) -> dict[str, Any]:
    """The JSON report of a live programme: the top-level keys of :func:`build_report` over all
    its entries (each list item names its ``exercise``), the session's ``cues`` and
    ``unsafe_movements``, the ``programme`` block, and ``exercises``: one :func:`build_report`
    per entry done. ``exercise`` is ``"programme"``; there are no ``segments`` or ``key_frames``.
    """
    reports = [build_report(result) for result in results]

    def merged(key: str) -> list[Any]:
        return [dict(item, exercise=rep["exercise"]) for rep in reports for item in rep[key]]

    views: dict[str, int] = {}
    for rep in reports:
        for view, n in rep["views"]["frames_per_view"].items():
            views[view] = views.get(view, 0) + n
    return {
        "schema": SCHEMA,
        "app_version": __version__,
        "source": source,
        "mode": "live",
        "estimator": estimator,
        "exercise": "programme",
        "exercise_name": name,
        "duration_s": round(duration_s, 3),
        "fps": round(fps, 3),
        "frames": sum(r["frames"] for r in reports),
        "frames_with_person": sum(r["frames_with_person"] for r in reports),
        "person_detected": any(r["person_detected"] for r in reports),
        "truncated": any(r["truncated"] for r in reports),
        "rep_count": sum(r["rep_count"] for r in reports),
        "partial_rep_count": sum(r["partial_rep_count"] for r in reports),
        "reps": merged("reps"),
        "flexion_events": merged("flexion_events"),
        "holds": merged("holds"),
        "twist_events": merged("twist_events"),
        "unsafe_movements": [unsafe_json(e) for e in unsafe_movements],
        "person_changes": merged("person_changes"),
        "cues": [c.to_json() for c in cues],
        "views": {"frames_per_view": views, "main_view": max(views, key=views.__getitem__) if views else "unknown"},
        "view_warnings": merged("view_warnings"),
        "calibration": {
            "done": bool(neutral and neutral.calibrated),
            # _r: a neutral never learnt has a NaN neck curl, which json.dumps would write as invalid NaN
            "neutral_neck_curl_deg": _r(neutral.neck_curl_deg, 1) if neutral else None,
            "note": "calibrated" if neutral and neutral.calibrated else "not calibrated",
        },
        "flexion_method": FLEXION_METHOD_NOTE,
        "tests": [t for r in reports for t in r["tests"]],
        "notes": notes,
        "programme": programme,
        "exercises": reports,
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
