"""Exercise recogniser: safe model format, current with its training code, real inference."""

from __future__ import annotations

import numpy as np
import pytest

from spinesafe.classifiers.recogniser import (
    IDLE,
    UNSURE,
    WINDOW_DIM,
    ExerciseRecogniser,
    RecogniserModel,
    Recognition,
    frame_vector,
    window_features,
)
from spinesafe.pose.synthetic import CameraView, animate, chain, squat_reps, standing
from spinesafe.recogniser_training import training_hash


@pytest.fixture(scope="module")
def model() -> RecogniserModel:
    return RecogniserModel.load()


def test_packaged_model_is_current_with_its_training_code(model: RecogniserModel) -> None:
    assert model.training_hash == training_hash(), (
        "the recogniser's features, training or the synthetic generator changed: retrain with "
        "`spinesafe train-recogniser ../shared/corpus` and commit spinesafe/classifiers/models/recogniser.npz"
    )


def test_model_has_idle_and_library_classes(model: RecogniserModel) -> None:
    assert IDLE in model.classes
    assert {"squat", "sit_to_stand", "push_up", "sit_up", "toe_touch"} <= set(model.classes)
    assert model.mean.shape == (WINDOW_DIM,)


def test_probabilities_are_a_distribution(model: RecogniserModel) -> None:
    rng = np.random.default_rng(0)
    probs = model.probabilities(rng.normal(size=(5, WINDOW_DIM)))
    assert probs.shape == (5, len(model.classes))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert (probs >= 0).all()


def test_save_and_load_round_trip(model: RecogniserModel, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.npz"
    model.save(path)
    again = RecogniserModel.load(path)
    x = np.random.default_rng(1).normal(size=(3, WINDOW_DIM))
    np.testing.assert_allclose(again.probabilities(x), model.probabilities(x), atol=1e-5)
    assert again.classes == model.classes


def test_a_file_needing_pickle_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "evil.npz"
    good = RecogniserModel.load()
    good.save(path)
    with np.load(path) as data:
        arrays = dict(data)
    arrays["classes"] = np.array([object()], dtype=object)  # would need pickle to load
    np.savez(path, **arrays)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RecogniserModel.load(path)


def test_recognises_squats_and_says_idle_when_standing(model: RecogniserModel) -> None:
    # A seed and jitter the training set did not use.
    frames = animate(chain(standing(4.0), squat_reps(4)), 30.0, view=CameraView.OBLIQUE_LEFT, jitter_px=1.2, seed=99)
    recogniser = ExerciseRecogniser(model)
    labels = []
    for frame in frames:
        labels += [(e.t_s, e.label) for e in recogniser.update(frame) if isinstance(e, Recognition)]
    early = [label for t, label in labels if t < 3.5]
    late = [label for t, label in labels if t > 7.0]
    assert early and set(early) <= {IDLE, UNSURE}
    assert late.count("squat") >= 0.8 * len(late)


def test_frame_vector_is_mirror_invariant() -> None:
    left = animate(squat_reps(1), 10.0, view=CameraView.SIDE_FACING_LEFT)
    right = animate(squat_reps(1), 10.0, view=CameraView.SIDE_FACING_RIGHT)
    a = window_features([v for f in left if (v := frame_vector(f)) is not None])
    b = window_features([v for f in right if (v := frame_vector(f)) is not None])
    np.testing.assert_allclose(a, b, atol=0.05)


def test_review_auto_recognises_and_reports_confidence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from spinesafe.cli import main
    from spinesafe.pose.recording import save_recording

    frames = animate(
        chain(standing(2.0), squat_reps(4)), 30.0, view=CameraView.SIDE_FACING_RIGHT, jitter_px=1.0, seed=5
    )
    rec = save_recording(tmp_path / "squats.npz", frames, source="squats", estimator="synthetic", fps=30.0)
    out = tmp_path / "out"
    assert main(["review", str(rec), "--exercise", "auto", "--out", str(out), "--no-video", "--no-history"]) == 0
    import json

    report = json.loads((out / "report.json").read_text())
    assert report["exercise"] == "squat"
    assert report["exercise_recognised"] is True
    assert 0.5 <= report["exercise_confidence"] <= 1.0
    assert report["rep_count"] == 4


def test_review_auto_on_someone_standing_still_is_a_clear_error(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from spinesafe.cli import main
    from spinesafe.pose.recording import save_recording

    frames = animate(standing(6.0), 30.0, view=CameraView.FRONT, seed=2)
    rec = save_recording(tmp_path / "still.npz", frames, source="still", estimator="synthetic", fps=30.0)
    assert main(["review", str(rec), "--exercise", "auto", "--json", str(tmp_path / "r.json"), "--no-history"]) == 2
    assert "no exercise could be recognised" in capsys.readouterr().err
