"""Accuracy on a labelled corpus (``manifest.json``, schema ``spinesafe.corpus/1``).

Landmarks are extracted once per clip with the bundled model and cached outside the
repository (default ``~/.cache/spinesafe/corpus``), so re-runs take seconds. Scoring follows
the corpus README: a detected flexion event matches a labelled interval when they overlap with
0.5 s of slack; detections inside ``possible`` intervals count neither way. Clips labelled
``other`` (not a library exercise) are scored for flexion and twisting only: the monitors run
whatever the exercise. Every figure is given for the tuning part, the validation part (whole
sources never tuned on, :mod:`spinesafe.lab.corpus_split`) and the whole corpus.
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spinesafe.classifiers.events import FlexionEnded, TwistEnded
from spinesafe.classifiers.exercises import EXERCISES, ExerciseSpec, Kind, SideRule, get_exercise
from spinesafe.classifiers.features import compute_features
from spinesafe.classifiers.flexion import FlexionMonitor
from spinesafe.classifiers.twist import TwistMonitor
from spinesafe.errors import InputFileError, RecordingFormatError
from spinesafe.feedback.result import SessionResult
from spinesafe.lab.corpus_split import PARTS, part
from spinesafe.pose.recording import Recording, load_recording, record_video, save_recording
from spinesafe.session.review import analyse_poses

MATCH_SLACK_S = 0.5


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spinesafe" / "corpus"


@dataclass
class ClipScore:
    file: str
    exercise: str
    view: str
    true_reps: int | None
    counted_reps: int
    flexion_label: str
    part: str = "tuning"
    flexion_hits: int = 0  # labelled 'present' intervals matched by a detection
    flexion_missed: int = 0
    false_flexion: int = 0  # detections outside every labelled interval
    detections: list[tuple[float, float]] = field(default_factory=list)
    holds_labelled: int = 0
    holds_found: int = 0  # labelled holds overlapped by a detected hold
    false_holds: int = 0
    twist_labelled: int = 0
    twist_found: int = 0  # labelled twisting episodes matched by a twist event
    twist_events: int = 0  # twist events outside every labelled episode (false alarms)
    baseline_reps: int | None = None
    baseline_flexion: tuple[int, int, int] | None = None  # hits, missed, false

    @property
    def rep_error(self) -> int | None:
        return None if self.true_reps is None else self.counted_reps - self.true_reps


@dataclass
class PartSummary:
    """The figures of one part of the corpus (tuning, validation or all of it)."""

    clips: int
    rep_clips: int
    exact: int
    off_by_one: int
    worse: int
    mean_abs_error: float
    flexion_hits: int
    flexion_missed: int
    false_flexion: int
    holds_labelled: int = 0
    holds_found: int = 0
    false_holds: int = 0
    twist_labelled: int = 0
    twist_found: int = 0
    twist_events: int = 0

    @property
    def flexion_recall(self) -> float:
        n = self.flexion_hits + self.flexion_missed
        return self.flexion_hits / n if n else math.nan

    @property
    def flexion_precision(self) -> float:
        n = self.flexion_hits + self.false_flexion
        return self.flexion_hits / n if n else math.nan

    @classmethod
    def of(cls, scores: list[ClipScore]) -> PartSummary:
        errors = [abs(s.rep_error) for s in scores if s.rep_error is not None]
        return cls(
            clips=len(scores),
            rep_clips=len(errors),
            exact=sum(1 for e in errors if e == 0),
            off_by_one=sum(1 for e in errors if e == 1),
            worse=sum(1 for e in errors if e > 1),
            mean_abs_error=sum(errors) / len(errors) if errors else math.nan,
            flexion_hits=sum(s.flexion_hits for s in scores),
            flexion_missed=sum(s.flexion_missed for s in scores),
            false_flexion=sum(s.false_flexion for s in scores),
            holds_labelled=sum(s.holds_labelled for s in scores),
            holds_found=sum(s.holds_found for s in scores),
            false_holds=sum(s.false_holds for s in scores),
            twist_labelled=sum(s.twist_labelled for s in scores),
            twist_found=sum(s.twist_found for s in scores),
            twist_events=sum(s.twist_events for s in scores),
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["exact_rate"] = self.exact / self.rep_clips if self.rep_clips else math.nan
        data["flexion_recall"] = self.flexion_recall
        data["flexion_precision"] = self.flexion_precision
        return data


@dataclass
class EvalSummary:
    """Per-clip scores; ``whole`` and ``parts`` (tuning / validation) summarise them."""

    clips: list[ClipScore]
    baseline: dict[str, float] | None = None

    @property
    def whole(self) -> PartSummary:
        return PartSummary.of(self.clips)

    @property
    def parts(self) -> dict[str, PartSummary]:
        return {name: PartSummary.of([c for c in self.clips if c.part == name]) for name in PARTS}

    def to_json(self) -> dict[str, Any]:
        return {
            **self.whole.to_json(),
            "parts": {part: summary.to_json() for part, summary in self.parts.items()},
            "baseline": self.baseline,
            "clips": [asdict(c) for c in self.clips],
        }


def _overlaps(a: tuple[float, float], b: list[float], slack: float = MATCH_SLACK_S) -> bool:
    return a[0] <= b[1] + slack and a[1] >= b[0] - slack


def score_flexion(detections: list[tuple[float, float]], clip: dict[str, Any]) -> tuple[int, int, int]:
    """(hits, missed, false alarms) for one clip."""
    intervals = clip.get("flexion_intervals_s") or []
    label = clip.get("flexion", "none")
    if label == "possible":
        return 0, 0, sum(1 for d in detections if not any(_overlaps(d, iv) for iv in intervals))
    hits = sum(1 for iv in intervals if any(_overlaps(d, iv) for d in detections))
    false = sum(1 for d in detections if not any(_overlaps(d, iv) for iv in intervals))
    return hits, len(intervals) - hits, false


# The naive rule of many hobby counters: a trunk leaning more than 45 deg from vertical is
# "bad back". It cannot tell a hinge, a plank or a bridge from rounding.
NAIVE_FLEXION_LEAN_DEG = 45.0


@dataclass(frozen=True)
class BaselineResult:
    reps: int
    flexion_events: list[tuple[float, float]]


# A hobby counter measures the joint itself: the push-up's elbow, not spinesafe's fused estimate.
NAIVE_SIGNALS = {"push_elbow": "elbow"}


def naive_baseline(recording: Recording, spec: ExerciseSpec) -> BaselineResult:
    """A typical hobby counter, for comparison: one joint angle, two thresholds, trunk > 45 deg.

    The near side's raw primary signal (no smoothing, no adaptation, no side rule) counts a rep
    each time it goes past ``spec.turn`` and back past ``spec.rest``; flexion is any stretch of
    frames whose trunk leans more than 45 deg from vertical.
    """
    sign = 1.0 if spec.turn > spec.rest else -1.0
    signal = NAIVE_SIGNALS.get(spec.signal, spec.signal)
    reps, at_turn = 0, False
    events: list[tuple[float, float]] = []
    lean_start: float | None = None
    for frame in recording:
        features = compute_features(frame)
        value = features.angle(signal)
        if not math.isfinite(value) and spec.sides is not SideRule.NONE:
            value = features.angle(f"{signal}_{features.near_side.value}")
        if math.isfinite(value):
            if not at_turn and sign * value >= sign * spec.turn:
                at_turn = True
            elif at_turn and sign * value <= sign * spec.rest:
                at_turn, reps = False, reps + 1
        leaning = features.present and features.trunk_inclination_deg > NAIVE_FLEXION_LEAN_DEG
        if leaning and lean_start is None:
            lean_start = frame.t_s
        elif not leaning and lean_start is not None:
            events.append((lean_start, frame.t_s))
            lean_start = None
    if lean_start is not None and recording.frames:
        events.append((lean_start, recording.frames[-1].t_s))
    return BaselineResult(reps=reps, flexion_events=events)


def landmarks_for(clip_path: Path, cache_dir: Path, progress: Callable[[int, int], None] | None = None) -> Recording:
    """The clip's landmarks from the cache, extracting them with MediaPipe on a miss."""
    cached = cache_dir / f"{clip_path.stem}.npz"
    if cached.is_file():
        try:
            return load_recording(cached)
        except RecordingFormatError:
            cached.unlink()
    recording = record_video(clip_path, progress=progress)
    cache_dir.mkdir(parents=True, exist_ok=True)
    save_recording(
        cached,
        recording.frames,
        source=recording.source,
        estimator=recording.estimator,
        fps=recording.fps,
        truncated=recording.truncated,
    )
    return load_recording(cached)


def load_manifest(corpus_dir: Path) -> list[dict[str, Any]]:
    path = corpus_dir / "manifest.json"
    if not path.is_file():
        raise InputFileError(f"{path}: no manifest.json in the corpus folder")
    data = json.loads(path.read_text(encoding="utf-8"))
    clips: list[dict[str, Any]] = data["clips"]
    return clips


def watch_only(recording: Recording) -> tuple[list[FlexionEnded], list[TwistEnded]]:
    """The flexion and twist monitors alone (default thresholds), for clips of no library exercise."""
    flexion, twist = FlexionMonitor(), TwistMonitor()
    events = []
    for frame in recording:
        events += flexion.update(compute_features(frame))
        events += twist.update(frame)
    events += flexion.finish() + twist.finish()
    return [e for e in events if isinstance(e, FlexionEnded)], [e for e in events if isinstance(e, TwistEnded)]


def evaluate(
    corpus_dir: str | Path,
    *,
    cache_dir: Path | None = None,
    exercises: set[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    baseline: bool = False,
    transform: Callable[[Recording], Recording] | None = None,
) -> EvalSummary:
    """Score every clip of the corpus (or those of ``exercises``): library exercises with their
    labelled exercise, ``other`` clips for flexion and twisting only. ``transform`` changes each
    recording first (:mod:`spinesafe.lab.perturb`)."""
    corpus = Path(corpus_dir)
    cache = cache_dir or default_cache_dir()
    scores: list[ClipScore] = []
    for clip in load_manifest(corpus):
        exercise = clip["exercise"]
        known = exercise in EXERCISES
        if exercises and exercise not in exercises:
            continue
        name = clip["file"]
        on_frame: Callable[[int, int], None] | None = None
        if progress is not None:
            on_frame = functools.partial(progress, name)
        recording = landmarks_for(corpus / name, cache, on_frame)
        if transform is not None:
            recording = transform(recording)
        slideshow = clip.get("quality") == "keyframe_slideshow"
        score = ClipScore(
            file=name,
            exercise=exercise,
            view=clip.get("view", ""),
            true_reps=None if slideshow or not known else clip.get("true_reps"),
            counted_reps=0,
            flexion_label=clip.get("flexion", "none"),
            part=part(clip),
        )
        if known:
            spec = get_exercise(exercise)
            result: SessionResult = analyse_poses(
                recording, spec, source=recording.source, estimator=recording.estimator, fps=recording.fps
            )
            flexion_events, twist_events = result.flexion_events, result.twist_events
            # A hold's unit is the hold: its labelled count is the number of holds.
            score.counted_reps = len(result.holds) if spec.kind is Kind.HOLD else result.rep_count
            labelled_holds = clip.get("holds_s") or []
            found_holds = [(h.start_s, h.end_s) for h in result.holds]
            score.holds_labelled = len(labelled_holds)
            score.holds_found = sum(1 for iv in labelled_holds if any(_overlaps(h, iv) for h in found_holds))
            score.false_holds = sum(1 for h in found_holds if not any(_overlaps(h, iv) for iv in labelled_holds))
        else:
            flexion_events, twist_events = watch_only(recording)
        score.detections = [(e.start_s, e.end_s) for e in flexion_events]
        score.flexion_hits, score.flexion_missed, score.false_flexion = score_flexion(score.detections, clip)
        twists = [(e.start_s, e.end_s) for e in twist_events]
        labelled_twists = clip.get("twist_intervals_s") or []
        score.twist_labelled = len(labelled_twists)
        score.twist_found = sum(1 for iv in labelled_twists if any(_overlaps(t, iv) for t in twists))
        score.twist_events = sum(1 for t in twists if not any(_overlaps(t, iv) for iv in labelled_twists))
        scores.append(score)
        if baseline and known:
            naive = naive_baseline(recording, get_exercise(exercise))
            score.baseline_reps = naive.reps
            score.baseline_flexion = score_flexion(naive.flexion_events, clip)
    baseline_summary = None
    if baseline:
        rep_scores = [s for s in scores if s.rep_error is not None]
        b_exact = sum(1 for s in rep_scores if s.baseline_reps == s.true_reps)
        b_worse = sum(1 for s in rep_scores if abs((s.baseline_reps or 0) - (s.true_reps or 0)) > 1)
        b_hits = sum(s.baseline_flexion[0] for s in scores if s.baseline_flexion)
        b_missed = sum(s.baseline_flexion[1] for s in scores if s.baseline_flexion)
        b_false = sum(s.baseline_flexion[2] for s in scores if s.baseline_flexion)
        baseline_summary = {
            "exact": b_exact,
            "worse": b_worse,
            "flexion_recall": b_hits / (b_hits + b_missed) if b_hits + b_missed else math.nan,
            "flexion_precision": b_hits / (b_hits + b_false) if b_hits + b_false else math.nan,
            "false_flexion": b_false,
        }
    return EvalSummary(clips=scores, baseline=baseline_summary)


def _summary_lines(label: str, part: PartSummary) -> list[str]:
    n = part.rep_clips
    return [
        f"{label} ({part.clips} clips): rep counts {part.exact}/{n} exact "
        f"({100 * part.exact / n if n else math.nan:.0f}%), {part.off_by_one} off by one, {part.worse} off by more, "
        f"mean abs error {part.mean_abs_error:.2f}",
        f"  flexion: recall {part.flexion_recall:.2f} ({part.flexion_hits} of {part.flexion_hits + part.flexion_missed}"
        f" episodes), precision {part.flexion_precision:.2f} ({part.false_flexion} false alarms)",
        f"  holds: {part.holds_found}/{part.holds_labelled} labelled holds found, {part.false_holds} false; "
        f"twisting: {part.twist_found}/{part.twist_labelled} episodes found, {part.twist_events} false alarms",
    ]


def format_table(summary: EvalSummary) -> str:
    lines = [
        f"{'clip':44s} {'part':4s} {'exercise':13s} {'view':10s} {'true':>4s} {'count':>5s} {'flex':8s} hit miss false"
    ]
    for s in summary.clips:
        true = "-" if s.true_reps is None else str(s.true_reps)
        lines.append(
            f"{Path(s.file).stem[:44]:44s} {s.part[:4]:4s} {s.exercise:13s} {s.view.split(' ')[0]:10s} {true:>4s} "
            f"{s.counted_reps:5d} {s.flexion_label:8s} {s.flexion_hits:3d} {s.flexion_missed:4d} {s.false_flexion:5d}"
        )
    lines.append("")
    for name, figures in summary.parts.items():
        lines += _summary_lines(name, figures)
    lines += _summary_lines("whole corpus", summary.whole)
    if summary.baseline:
        b = summary.baseline
        lines.append(
            f"naive baseline (one angle, two thresholds, trunk > 45 deg = flexion): {b['exact']:.0f}/"
            f"{summary.whole.rep_clips} exact, {b['worse']:.0f} off by more than one; flexion recall "
            f"{b['flexion_recall']:.2f}, precision {b['flexion_precision']:.2f} ({b['false_flexion']:.0f} false alarms)"
        )
    lines.append(
        "keyframe slideshows ('-' in true) are scored for flexion and holds only, not for rep counts; "
        "'other' clips (no library exercise) for flexion and twisting only; a hold's count is its holds."
    )
    return "\n".join(lines)
