"""Training and evaluation of the exercise recogniser (``spinesafe train-recogniser``).

Data: synthetic motions from :mod:`spinesafe.pose.synthetic` (every exercise the generator can
make, in several views, with seeded jitter) plus the landmark recordings of a labelled corpus
(``manifest.json``; landmarks cached outside the repository). Windows of a corpus clip take the
clip's exercise label, except windows with almost no movement, which are ``idle`` (people stand
before and after their sets). Reproducible: fixed seeds throughout.

Evaluation is by clips, never frames: each corpus clip is held out in turn (leave-one-clip-out),
the model is trained on everything else, and the clip's label is the class with the highest mean
probability over its non-idle windows.
"""

from __future__ import annotations

import hashlib
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinesafe import __version__
from spinesafe.classifiers import recogniser
from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.recogniser import FRAME_DIM, IDLE, RecogniserModel, recognise_windows, windows
from spinesafe.evaluation import default_cache_dir, landmarks_for, load_manifest
from spinesafe.pose.frame import PoseFrame

SEED = 20261125
HIDDEN = 64
# A window whose joint angles all vary by less than this (in units of 180 deg, i.e. ~3.6 deg)
# shows no exercise movement: standing, resting, setting up.
IDLE_MAX_ANGLE_STD = 0.02
_ANGLE_STD = slice(FRAME_DIM + 24, FRAME_DIM + 32)  # std of the 8 joint angles in window features


def training_hash() -> str:
    """Hash of the code that defines the features and the training: a stale model fails a test."""
    from spinesafe.pose import synthetic

    modules = (recogniser, synthetic, inspect.getmodule(training_hash))
    source = "".join(inspect.getsource(m) for m in modules if m is not None)
    return hashlib.sha256(source.encode()).hexdigest()[:16]


@dataclass
class Dataset:
    x: list[np.ndarray] = field(default_factory=list)
    y: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)  # clip name; synthetic data is one group per motion

    def add(self, feats: list[np.ndarray], label: str, group: str, idle_when_still: bool) -> None:
        for f in feats:
            still = bool(np.max(f[_ANGLE_STD]) < IDLE_MAX_ANGLE_STD)
            self.x.append(f)
            self.y.append(IDLE if idle_when_still and still else label)
            self.group.append(group)


def synthetic_dataset(seed: int = SEED) -> Dataset:
    """Windows from every synthetic motion the generator offers, in side, oblique and front views."""
    from spinesafe.pose import synthetic as syn

    data = Dataset()
    motions: dict[str, Callable[..., Any]] = dict(getattr(syn, "MOTIONS", {}))
    fallback: dict[str, Callable[..., Any]] = {
        "squat": syn.squat_reps,
        "sit_to_stand": syn.sit_to_stand_reps,
        "hip_hinge": syn.hip_hinge_reps,
        "toe_touch": lambda n: syn.toe_touch(n),
        "rounded_back_lift": lambda n: syn.hip_hinge_reps(n, rounded=True),
    }
    for key, fn in fallback.items():
        motions.setdefault(key, fn)
    rng = np.random.default_rng(seed)
    views: list[syn.CameraView | float] = [
        syn.CameraView.SIDE_FACING_LEFT,
        syn.CameraView.SIDE_FACING_RIGHT,
        syn.CameraView.FRONT,
        -50.0,
        40.0,
    ]
    for exercise, make in sorted(motions.items()):
        if exercise not in EXERCISES:
            continue
        spec = EXERCISES[exercise]
        for view in views:
            if spec.views and not _view_ok(view, spec):
                continue
            arg = spec.target_s + 4.0 if spec.kind.value == "hold" else 4
            keyframes = make(arg)
            frames = syn.animate(
                keyframes, fps=15.0, view=view, jitter_px=float(rng.uniform(0.5, 3.0)), seed=int(rng.integers(1 << 30))
            )
            data.add(windows(frames), exercise, f"synthetic:{exercise}", idle_when_still=spec.kind.value != "hold")
    idle = syn.animate(syn.standing(30.0), fps=15.0, view=syn.CameraView.FRONT, jitter_px=2.0, seed=seed)
    data.add(windows(idle), IDLE, "synthetic:idle", idle_when_still=False)
    return data


def _view_ok(view: Any, spec: Any) -> bool:
    from spinesafe.classifiers.features import View
    from spinesafe.pose.synthetic import CameraView

    yaw = view.yaw_deg if isinstance(view, CameraView) else float(view)
    kind = View.FRONT if abs(yaw) < 20 else View.SIDE if abs(abs(yaw) - 90) < 20 else View.OBLIQUE
    return kind in spec.views


def corpus_dataset(corpus_dir: Path, cache_dir: Path | None = None) -> tuple[Dataset, dict[str, str]]:
    """Windows of every corpus clip whose exercise is in the library; and clip -> label."""
    data = Dataset()
    labels: dict[str, str] = {}
    cache = cache_dir or default_cache_dir()
    for clip in load_manifest(corpus_dir):
        exercise = clip["exercise"]
        if exercise not in EXERCISES:
            continue
        recording = landmarks_for(corpus_dir / clip["file"], cache)
        frames: list[PoseFrame] = list(recording)
        feats = windows(frames)
        if not feats:
            continue
        hold = EXERCISES[exercise].kind.value == "hold"
        data.add(feats, exercise, clip["file"], idle_when_still=not hold)
        labels[clip["file"]] = exercise
    return data, labels


def fit(x: np.ndarray, y: list[str], seed: int = SEED) -> RecogniserModel:
    """Train the MLP with scikit-learn and export it as arrays."""
    from sklearn.neural_network import MLPClassifier

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), alpha=1e-3, max_iter=400, random_state=seed)
    clf.fit((x - mean) / scale, y)
    return RecogniserModel(
        classes=tuple(str(c) for c in clf.classes_),
        mean=mean,
        scale=scale,
        weights=tuple(np.asarray(w) for w in clf.coefs_),
        biases=tuple(np.asarray(b) for b in clf.intercepts_),
        training_hash=training_hash(),
        version=__version__,
    )


@dataclass
class CrossValidation:
    per_clip: list[tuple[str, str, str, float]]  # clip, true, predicted, confidence
    accuracy: float
    confusion: dict[str, dict[str, int]]
    seconds: float


def leave_one_clip_out(
    corpus_dir: Path, cache_dir: Path | None = None, progress: Callable[[int, int], None] | None = None
) -> CrossValidation:
    start = time.monotonic()
    synth = synthetic_dataset()
    corpus, labels = corpus_dataset(corpus_dir, cache_dir)
    groups = np.array(corpus.group)
    cx, cy = np.asarray(corpus.x), np.asarray(corpus.y)
    per_clip = []
    confusion: dict[str, dict[str, int]] = {}
    for i, (clip, truth) in enumerate(sorted(labels.items())):
        keep = groups != clip
        x = np.concatenate([np.asarray(synth.x), cx[keep]])
        y = list(synth.y) + list(cy[keep])
        model = fit(x, y)
        recognised = recognise_windows(model, list(cx[groups == clip]))
        predicted, confidence = recognised.label, recognised.confidence
        per_clip.append((clip, truth, predicted, confidence))
        confusion.setdefault(truth, {}).setdefault(predicted, 0)
        confusion[truth][predicted] += 1
        if progress:
            progress(i + 1, len(labels))
    correct = sum(1 for _, t, p, _ in per_clip if t == p)
    return CrossValidation(
        per_clip, correct / len(per_clip) if per_clip else float("nan"), confusion, time.monotonic() - start
    )


def train(corpus_dir: Path | None, out: Path, cache_dir: Path | None = None) -> tuple[RecogniserModel, int, float]:
    """Train on everything (synthetic + corpus when given) and save; returns model, windows, seconds."""
    start = time.monotonic()
    data = synthetic_dataset()
    if corpus_dir is not None:
        corpus, _ = corpus_dataset(corpus_dir, cache_dir)
        data.x += corpus.x
        data.y += corpus.y
    model = fit(np.asarray(data.x), data.y)
    model.save(out)
    return model, len(data.y), time.monotonic() - start
