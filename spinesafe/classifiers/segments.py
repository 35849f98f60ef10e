"""Segments of one recording: which exercise when, from the recogniser's per-window judgements.

``spinesafe review --exercise auto`` cuts a recording into segments, each analysed with its own
exercise's spec. The steps:

1. :func:`timed_windows`: the recogniser's 2 s windows (stride 0.5 s, the grid of
   :func:`~spinesafe.classifiers.recogniser.windows`), each with its time; a window with too few
   present frames has no features (nobody seen).
2. :func:`label_windows`: each window's class probabilities, averaged over a few neighbouring
   windows, give its label: an exercise id, ``idle`` (also: nobody seen), ``unknown`` (a movement
   far from every exercise learnt: the open-set answer), or ``unsure`` when the best class is
   below the confidence bar.
3. :func:`label_stretches`: runs of one label, with runs shorter than :data:`MIN_SEGMENT_S`
   absorbed into their neighbours (a minimum dwell: hysteresis in time), so a blip never opens
   a segment. Long idle or unsure runs stay what they are.
4. :func:`segment_recording`: every non-idle stretch becomes a segment whose exercise is decided
   by :func:`~spinesafe.classifiers.recogniser.recognise_windows` over its windows (the rule the
   whole-clip recognition uses); neighbours with the same outcome are merged. Idle time between
   segments is split in the middle, so the segments' *analysed* spans tile the recording: every
   frame is watched for back rounding, and each set starts and ends at rest. A recording with one
   segment is recognised exactly as :func:`~spinesafe.classifiers.recogniser.recognise_clip` does.
   A segment whose windows are mostly far from everything learnt has the exercise ``unknown``
   ("not one I know"): no exercise's rep rules apply to it, its frames are still watched for
   back rounding.

Pure: no I/O; the caller gives the frames and the model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from spinesafe.classifiers.recogniser import (
    IDLE,
    STRIDE_S,
    UNSURE,
    RecogniserModel,
    TimedWindow,
    defined_probabilities,
    recognise_windows,
    timed_windows,
)
from spinesafe.pose.frame import PoseFrame

# A stretch of one label must last this long to become (or to split) a segment. Two reasons: the
# recogniser's windows are 2 s long, so a change of exercise smears over ~2 s of windows that
# straddle both motions and often get a third label (on synthetic transitions, 0.5-1.5 s of
# "tandem_stance" between squats and standing); and one rep of the slowest counted exercises
# takes 3-4 s (sit-to-stand), so a shorter stretch cannot hold a countable rep of a new exercise.
MIN_SEGMENT_S = 4.0
# An idle run (standing still, or nobody seen) needs less: an idle window is 2 s of stillness, so
# 2 s of idle windows is 3.5 s of rest, enough to place the end of one exercise and the start of
# the next. A rest inside a set splits it, and the two halves are merged again as one exercise.
MIN_IDLE_S = 2.0
# Class probabilities are averaged over this many neighbouring windows (1.5 s at the 0.5 s stride)
# before labelling, as the live recogniser smooths its output; it removes one-window flicker.
SMOOTH_WINDOWS = 3
DEFAULT_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class WindowLabel:
    """The label of one window at its centre ``t_s``: an exercise id, ``idle`` or ``unsure``."""

    t_s: float
    label: str


@dataclass(frozen=True)
class Stretch:
    """A run of one label from ``start_s`` to ``end_s`` (seconds), holding windows ``first``..``last``."""

    start_s: float
    end_s: float
    label: str
    first: int
    last: int

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Segment:
    """One exercise (or an unsure stretch) in a recording.

    ``start_s``/``end_s``: where the recogniser saw it. ``analysed_from_s``/``analysed_to_s``: the
    frames analysed with ``exercise``'s spec (the segment plus half the idle time on each side; the
    first starts at -inf and the last ends at +inf so every frame belongs to one). ``exercise`` is
    the best guess even when not ``sure``; :attr:`label` says ``unsure`` then. ``exercise`` is
    :data:`~spinesafe.classifiers.recogniser.UNKNOWN` for a movement outside the library (analysed as
    :data:`~spinesafe.classifiers.exercises.NOT_IN_LIBRARY`: no reps counted, flexion still watched).
    ``unseen`` names the joints out of view in most of its windows (the exercises they define could
    not be named).
    """

    start_s: float
    end_s: float
    analysed_from_s: float
    analysed_to_s: float
    exercise: str
    confidence: float
    sure: bool
    unseen: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.exercise if self.sure else UNSURE

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def label_windows(
    model: RecogniserModel,
    windows: Sequence[TimedWindow],
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    smooth: int = SMOOTH_WINDOWS,
) -> list[WindowLabel]:
    """Each window's label from its class probabilities averaged over ``smooth`` centred windows.

    A window without features counts as idle (nobody is exercising). Below ``min_confidence``
    the label is ``unsure``.
    """
    if not windows:
        return []
    classes = model.classes
    idle = classes.index(IDLE) if IDLE in classes else None
    probs = np.zeros((len(windows), len(classes)))
    known = [(i, w.features) for i, w in enumerate(windows) if w.features is not None]
    if known:
        rows = [i for i, _ in known]
        probs[rows] = defined_probabilities(model, np.stack([f for _, f in known]), [windows[i].t_s for i in rows])
    absent = [i for i, w in enumerate(windows) if w.features is None]
    if idle is not None and absent:
        probs[absent, idle] = 1.0
    if smooth > 1:
        kernel = np.ones(smooth) / smooth
        padded = np.pad(probs, ((smooth // 2, smooth - 1 - smooth // 2), (0, 0)), mode="edge")
        probs = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(len(classes))], axis=1)
    labels = []
    for window, p in zip(windows, probs, strict=True):
        if window.features is None and idle is None:
            labels.append(WindowLabel(window.t_s, UNSURE))
            continue
        best = int(np.argmax(p))
        labels.append(WindowLabel(window.t_s, classes[best] if p[best] >= min_confidence else UNSURE))
    return labels


def label_stretches(
    labels: Sequence[WindowLabel],
    min_segment_s: float = MIN_SEGMENT_S,
    min_idle_s: float = MIN_IDLE_S,
    stride_s: float = STRIDE_S,
) -> list[Stretch]:
    """Runs of one label, with every run shorter than ``min_segment_s`` (``min_idle_s`` for idle)
    absorbed into a neighbour.

    The run furthest below its minimum goes first: into its neighbours when both have the same label (a blip
    inside one exercise), otherwise into the longer neighbour. Each window stands for ``stride_s``
    seconds around its centre. The result alternates labels and covers every window.
    """
    if not labels:
        return []
    runs: list[list[int]] = []  # [first, last] window indices
    for i, window in enumerate(labels):
        if runs and labels[runs[-1][0]].label == window.label:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    names = [labels[first].label for first, _ in runs]

    def duration(k: int) -> float:
        return (runs[k][1] - runs[k][0] + 1) * stride_s

    def shortfall(k: int) -> float:
        return duration(k) - (min_idle_s if names[k] == IDLE else min_segment_s)

    while len(runs) > 1:
        k = min(range(len(runs)), key=shortfall)
        if shortfall(k) >= -1e-9:
            break
        before, after = k - 1, k + 1
        if before >= 0 and after < len(runs) and names[before] == names[after]:
            runs[before][1] = runs[after][1]
            del runs[k : after + 1], names[k : after + 1]
            continue
        if after >= len(runs) or (before >= 0 and duration(before) >= duration(after)):
            runs[before][1] = runs[k][1]
        else:
            runs[after][0] = runs[k][0]
        del runs[k], names[k]
    return [
        Stretch(
            start_s=labels[first].t_s - stride_s / 2,
            end_s=labels[last].t_s + stride_s / 2,
            label=name,
            first=first,
            last=last,
        )
        for (first, last), name in zip(runs, names, strict=True)
    ]


def _features(windows: Sequence[TimedWindow], first: int, last: int) -> list[np.ndarray]:
    return [w.features for w in windows[first : last + 1] if w.features is not None]


def _trim(stretch: Stretch, labels: Sequence[WindowLabel], stride_s: float = STRIDE_S) -> Stretch:
    """``stretch`` without the windows of other labels it absorbed at its ends: a short rest or a
    blip before the first rep is not part of the exercise's span (the analysis still covers it)."""
    own = [i for i in range(stretch.first, stretch.last + 1) if labels[i].label == stretch.label]
    if not own:
        return stretch
    return replace(stretch, start_s=labels[own[0]].t_s - stride_s / 2, end_s=labels[own[-1]].t_s + stride_s / 2)


def _cuts(stretches: Sequence[Stretch]) -> list[float]:
    """Where one segment's analysis hands over to the next: the middle of the time between them."""
    return [(a.end_s + b.start_s) / 2 for a, b in itertools.pairwise(stretches)]


def segment_recording(
    model: RecogniserModel,
    frames: Sequence[PoseFrame],
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_segment_s: float = MIN_SEGMENT_S,
) -> list[Segment]:
    """The segments of a recording, in time order (see the module docstring).

    Empty when nothing but idle (or no person) is seen. One segment is recognised over the whole
    recording by :func:`~spinesafe.classifiers.recogniser.recognise_clip`, so a one-exercise video
    gets the exercise and confidence the whole-clip recognition gives.
    """
    if not frames:
        return []
    windows = timed_windows(frames)
    labels = label_windows(model, windows, min_confidence)
    active = [_trim(s, labels) for s in label_stretches(labels, min_segment_s) if s.label != IDLE]
    t_first, t_last = frames[0].t_s, frames[-1].t_s

    def build(stretches: list[Stretch]) -> list[Segment]:
        cuts = [-math.inf, *_cuts(stretches), math.inf]
        segments = []
        for k, stretch in enumerate(stretches):
            # Windows whose centre lies in the analysed span decide the exercise.
            inside = [i for i, w in enumerate(windows) if cuts[k] <= w.t_s < cuts[k + 1]]
            feats = _features(windows, inside[0], inside[-1]) if inside else []
            recognition = recognise_windows(model, feats, min_confidence)
            sure = recognition.sure and stretch.label != UNSURE  # an unsure stretch stays unsure
            segments.append(
                Segment(
                    start_s=max(stretch.start_s, t_first),
                    end_s=min(stretch.end_s, t_last),
                    analysed_from_s=cuts[k],
                    analysed_to_s=cuts[k + 1],
                    exercise=recognition.label,
                    confidence=recognition.confidence,
                    sure=sure,
                    unseen=recognition.unseen,
                )
            )
        return segments

    segments = build(active)
    # Neighbours that came out the same (or recognised as idle overall) are one segment.
    while len(segments) > 1:
        merged: list[Stretch] = []
        outcome: list[str] = []
        for stretch, segment in zip(active, segments, strict=True):
            if segment.exercise == IDLE:
                continue
            if outcome and outcome[-1] == segment.label:
                # Two unsure neighbours stay unsure together, whatever their stretches' labels were.
                label = UNSURE if segment.label == UNSURE else merged[-1].label
                merged[-1] = replace(merged[-1], end_s=stretch.end_s, last=stretch.last, label=label)
            else:
                merged.append(stretch)
                outcome.append(segment.label)
        if len(merged) == len(active):
            break
        active = merged
        segments = build(active)
    if len(segments) <= 1:
        # As recognise_clip, on the windows already made.
        clip = recognise_windows(model, [w.features for w in windows if w.features is not None], min_confidence)
        if clip.label == IDLE:
            return []
        start_s, end_s = (segments[0].start_s, segments[0].end_s) if segments else (t_first, t_last)
        whole = Segment(start_s, end_s, -math.inf, math.inf, clip.label, clip.confidence, clip.sure, clip.unseen)
        return [whole]
    return segments


def main_exercise(segments: Sequence[Segment]) -> str:
    """The exercise the recording is mostly of: the most seconds of segments analysed as it
    (unsure segments count for their best guess, as they are analysed with it)."""
    if not segments:
        raise ValueError("main_exercise: expected at least one segment, got none")
    seconds: dict[str, float] = {}
    for segment in segments:
        seconds[segment.exercise] = seconds.get(segment.exercise, 0.0) + segment.duration_s
    return max(seconds, key=lambda e: (seconds[e], -min(s.start_s for s in segments if s.exercise == e)))
