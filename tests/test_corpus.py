"""End to end on videos of real people (../shared/corpus) against the golden accuracy table.

Skipped with a reason when the corpus folder is absent. Landmarks are cached outside the
repository (~/.cache/spinesafe/corpus); the first run extracts them with MediaPipe (~13,000
frames, about 7 minutes on 2 cores), later runs take about half a minute.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinesafe.lab.evaluation import EvalSummary, PartSummary, evaluate, format_table

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
GOLDEN = json.loads((Path(__file__).parent / "golden" / "corpus_accuracy.json").read_text())

pytestmark = pytest.mark.skipif(
    not (CORPUS / "manifest.json").is_file(), reason=f"corpus not found at {CORPUS} (it lives beside the checkout)"
)


@pytest.fixture(scope="module")
def summary() -> EvalSummary:
    return evaluate(CORPUS)


PARTS = ("whole", "validation")


def part(summary: EvalSummary, name: str) -> PartSummary:
    return summary.whole if name == "whole" else summary.parts[name]


@pytest.mark.parametrize("name", PARTS)
def test_rep_counts_do_not_drop_below_golden(summary: EvalSummary, name: str) -> None:
    table, golden, figures = format_table(summary), GOLDEN[name], part(summary, name)
    assert figures.rep_clips == golden["rep_clips"], table
    assert figures.exact >= golden["min_exact"], table
    assert figures.worse <= golden["max_worse_than_one"], table


def test_long_real_set_of_twenty_squats_is_exact(summary: EvalSummary) -> None:
    by_name = {Path(s.file).stem: s for s in summary.clips}
    assert by_name["squat_bodyweight_front_12"].counted_reps == 20


@pytest.mark.parametrize("name", PARTS)
def test_flexion_flags_do_not_drop_below_golden(summary: EvalSummary, name: str) -> None:
    table, golden, figures = format_table(summary), GOLDEN[name], part(summary, name)
    assert figures.flexion_recall >= golden["min_flexion_recall"], table
    assert figures.flexion_precision >= golden["min_flexion_precision"], table


def test_lying_on_the_back_raises_no_flexion_alarm(summary: EvalSummary) -> None:
    # A man lying on his back for 19 s raising his legs: the head rests on the floor.
    by_name = {Path(s.file).stem: s for s in summary.clips}
    assert by_name["leg_raise_supine_side_01"].detections == []


def test_sit_ups_and_crunches_are_flagged_on_every_rep(summary: EvalSummary) -> None:
    for clip in summary.clips:
        if clip.exercise in ("sit_up", "crunch"):
            assert clip.flexion_missed == 0, clip
            assert clip.flexion_hits > 0, clip


def test_straight_back_movements_raise_almost_no_flexion_alarm(summary: EvalSummary) -> None:
    # Push-up planks, neutral deadlifts, curls and rows: a hinge or a plank is not flexion. The
    # naive "trunk > 45 deg" rule raises 18 false alarms on the corpus; we allow the golden count
    # (today 1: the barbell deadlift's set-up, looking down at the bar before the own neutral
    # is known).
    clips = [
        c
        for c in summary.clips
        if c.exercise in ("push_up", "hip_hinge", "biceps_curl", "row") and c.flexion_label == "none"
    ]
    assert len(clips) >= 8
    false = sum(c.false_flexion for c in clips)
    assert false <= GOLDEN["max_straight_back_false_alarms"], [(c.file, c.detections) for c in clips]


def test_holds_and_twist(summary: EvalSummary) -> None:
    whole = summary.whole
    assert whole.holds_found >= GOLDEN["min_holds_found"]
    assert whole.false_holds <= GOLDEN["max_false_holds"]
    assert whole.twist_events <= GOLDEN["max_twist_alarms"]


def test_packaged_recogniser_on_new_people_does_not_drop_below_golden() -> None:
    # Each clip judged as the packaged model meets a person the team has never seen: its synthetic
    # windows, with the features' weights and each exercise's open-set reach set from the clips of
    # every other source.
    from spinesafe.classifiers.exercises import EXERCISES, Kind
    from spinesafe.lab.recogniser_training import packaged

    cv = packaged(CORPUS)
    wrong = [(clip, truth, predicted) for clip, truth, predicted, _ in cv.per_clip if truth != predicted]
    assert cv.right >= GOLDEN["recogniser_min_clips_right"], wrong
    validation = cv.of_part("validation")  # held-out sources (spinesafe/lab/validation_sources.json)
    assert validation.right >= GOLDEN["recogniser_min_validation_clips_right"], wrong
    unsafe = {i for i, spec in EXERCISES.items() if spec.kind is Kind.UNSAFE}
    alarmed = [w for w in wrong if w[1] not in unsafe and w[2] in unsafe]
    assert len(alarmed) <= GOLDEN["recogniser_max_safe_taken_for_unsafe"], alarmed
    # Nothing learnt from the validation part: the weights and the reach set from the tuning part only.
    held_out = packaged(CORPUS, holdout="tuning")
    wrong = [(clip, truth, predicted) for clip, truth, predicted, _ in held_out.per_clip if truth != predicted]
    assert held_out.right >= GOLDEN["recogniser_min_validation_clips_right_reach_from_tuning"], wrong


def test_recogniser_with_people_does_not_drop_below_golden() -> None:
    # A model that stores the corpus's windows too (train-recogniser --with-people, kept on one
    # machine): each clip judged by one trained without it, then without every clip of its source.
    from spinesafe.lab.recogniser_training import leave_one_clip_out

    cv = leave_one_clip_out(CORPUS)
    wrong = [(clip, truth, predicted) for clip, truth, predicted, _ in cv.per_clip if truth != predicted]
    assert cv.right >= GOLDEN["recogniser_with_people_min_clips_right"], wrong
    cv = leave_one_clip_out(CORPUS, whole_source=True)
    wrong = [(clip, truth, predicted) for clip, truth, predicted, _ in cv.per_clip if truth != predicted]
    assert cv.right >= GOLDEN["recogniser_with_people_min_clips_right_new_source"], wrong
    assert cv.of_part("validation").right >= GOLDEN["recogniser_with_people_min_validation_new_source"], wrong


def test_recogniser_with_no_real_person_in_training_does_not_drop_below_golden() -> None:
    # The synthetic motions alone, with no reach: how an exercise the corpus has no clip of is met.
    from spinesafe.lab.recogniser_training import synthetic_only

    cv = synthetic_only(CORPUS)
    wrong = [(clip, truth, predicted) for clip, truth, predicted, _ in cv.per_clip if truth != predicted]
    assert cv.right >= GOLDEN["recogniser_min_clips_right_synthetic_only"], wrong


def test_movements_outside_the_library_are_not_named() -> None:
    from spinesafe.classifiers.recogniser import UNKNOWN
    from spinesafe.lab.recogniser_training import out_of_library

    for with_people in (False, True):  # the packaged model, and one storing the corpus's windows
        named = [(clip, label) for clip, _, label, _ in out_of_library(CORPUS, with_people=with_people)]
        named = [(clip, label) for clip, label in named if label != UNKNOWN]
        assert len(named) <= GOLDEN["recogniser_max_out_of_library_named"], (with_people, named)


def test_unsafe_watcher_with_the_packaged_model_does_not_drop_below_golden(summary: EvalSummary) -> None:
    # ``summary`` has filled the landmark cache that the watcher evaluation reads (~1 minute more).
    from spinesafe.classifiers.unsafe import UnsafeWatchConfig
    from spinesafe.lab import unsafe_watch_eval as script
    from spinesafe.lab.evaluation import default_cache_dir

    # The packaged model, as users run it (synthetic windows; its reach set from the corpus).
    clips, missing = script.load_clips(CORPUS, default_cache_dir(), packaged=True)
    assert not missing
    result = script.score(clips, UnsafeWatchConfig())
    warned = {c.name: [w.pattern for w in script.warnings_in(c, UnsafeWatchConfig())] for c in clips}
    assert result.false_alarms <= GOLDEN["unsafe_max_false_alarms"], warned
    assert result.caught >= GOLDEN["unsafe_min_clips_warned"], warned
