"""Exercise recognition from short windows of poses: which exercise, ``idle``, or an unsafe pattern.

The model is a small multilayer perceptron trained by :mod:`spinesafe.recogniser_training`
(scikit-learn) and stored as plain numpy arrays (``models/recogniser.npz``, loaded with
``allow_pickle=False``), so loading a model file can never run code. Inference here is numpy
only: standardise the window features, two dense layers, softmax.

Window features are view- and size-normalised: image-plane landmarks centred between the hips
and scaled by the trunk length, mirrored so the person always faces image-right (left/right
and facing do not change the exercise), plus joint angles and trunk inclination; mean, spread
and range over a 2 s window. That is the MediaPipe k-NN pose-classifier idea (normalised
landmark embeddings) extended over time, since many exercises share their still poses.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from spinesafe.classifiers.events import Event
from spinesafe.classifiers.geometry import joint_angle_deg
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

IDLE = "idle"
WINDOW_S = 2.0
STRIDE_S = 0.5
MIN_FRAMES = 5  # fewer present frames in a window: no judgement (keyframe slideshows give ~6)
MODEL_FORMAT = "spinesafe.recogniser/1"

_BODY = [
    sided(j, s) for j in (Joint.SHOULDER, Joint.ELBOW, Joint.WRIST, Joint.HIP, Joint.KNEE, Joint.ANKLE) for s in Side
]
_MIRROR = [
    sided(j, s.other)
    for j in (Joint.SHOULDER, Joint.ELBOW, Joint.WRIST, Joint.HIP, Joint.KNEE, Joint.ANKLE)
    for s in Side
]
_ANGLES = [
    (sided(a, s), sided(b, s), sided(c, s))
    for a, b, c in (
        (Joint.HIP, Joint.KNEE, Joint.ANKLE),
        (Joint.SHOULDER, Joint.HIP, Joint.KNEE),
        (Joint.SHOULDER, Joint.ELBOW, Joint.WRIST),
        (Joint.HIP, Joint.SHOULDER, Joint.ELBOW),
    )
    for s in Side
]
_A, _B, _C = (np.array([t[k] for t in _ANGLES]) for k in range(3))


def frame_vector(frame: PoseFrame) -> np.ndarray | None:
    """Per-frame embedding: 24 normalised coordinates + 8 joint angles/180 + inclination/180.

    None for an absent frame or a degenerate trunk.
    """
    if not frame.present:
        return None
    px = frame.pixels()[:, :2]
    hip = (px[Landmark.LEFT_HIP] + px[Landmark.RIGHT_HIP]) / 2
    shoulder = (px[Landmark.LEFT_SHOULDER] + px[Landmark.RIGHT_SHOULDER]) / 2
    trunk = float(np.linalg.norm(shoulder - hip))
    if not math.isfinite(trunk) or trunk < 1e-3:
        return None
    pts = (px - hip) / trunk
    # Mirror so that the person faces image-right: the toes (or the nose) point the way.
    toes = (pts[Landmark.LEFT_FOOT_INDEX, 0] + pts[Landmark.RIGHT_FOOT_INDEX, 0]) / 2
    heels = (pts[Landmark.LEFT_HEEL, 0] + pts[Landmark.RIGHT_HEEL, 0]) / 2
    facing = toes - heels
    if abs(facing) < 0.05:
        facing = pts[Landmark.NOSE, 0] - (pts[Landmark.LEFT_EAR, 0] + pts[Landmark.RIGHT_EAR, 0]) / 2
    body = pts[_BODY]
    if facing < 0:
        body = pts[_MIRROR] * np.array([-1.0, 1.0])
    angles = joint_angle_deg(px[_A], px[_B], px[_C]) / 180.0
    d = shoulder - hip
    inclination = math.degrees(math.atan2(abs(d[0]), -d[1])) / 180.0
    vec = np.concatenate([body.ravel(), angles, [inclination]])
    return np.nan_to_num(vec, nan=0.0)


FRAME_DIM = len(_BODY) * 2 + len(_ANGLES) + 1


def window_features(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Features of one window from its per-frame vectors: mean, std, min, max (4 x FRAME_DIM)."""
    m = np.asarray(vectors)
    return np.concatenate([m.mean(axis=0), m.std(axis=0), m.min(axis=0), m.max(axis=0)])


WINDOW_DIM = 4 * FRAME_DIM


@dataclass(frozen=True)
class RecogniserModel:
    """A trained model as arrays: scaler, two dense layers, class names."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    training_hash: str
    version: str

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, n_classes) softmax probabilities for (n, WINDOW_DIM) window features."""
        x = (np.atleast_2d(features) - self.mean) / self.scale
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = x @ w + b
            if i < len(self.weights) - 1:
                x = np.maximum(x, 0.0)  # ReLU, as scikit-learn's MLPClassifier
        x = x - x.max(axis=1, keepdims=True)
        e = np.exp(x)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def save(self, path: str | Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "format": np.array(MODEL_FORMAT),
            "classes": np.array(self.classes),
            "mean": self.mean,
            "scale": self.scale,
            "training_hash": np.array(self.training_hash),
            "version": np.array(self.version),
            "layers": np.array(len(self.weights)),
        }
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            arrays[f"w{i}"] = w.astype(np.float32)
            arrays[f"b{i}"] = b.astype(np.float32)
        with Path(path).open("wb") as handle:
            np.savez_compressed(handle, **arrays)

    @classmethod
    def load(cls, path: str | Path | None = None) -> RecogniserModel:
        """Load a model; the one shipped in the package when no path is given."""
        source = resources.files("spinesafe.classifiers") / "models" / "recogniser.npz" if path is None else Path(path)
        with source.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            if "format" not in data.files or str(data["format"]) != MODEL_FORMAT:
                raise ValueError(f"{source}: not a {MODEL_FORMAT} model")
            missing = {"classes", "mean", "scale", "layers", "training_hash", "version"} - set(data.files)
            if missing:
                raise ValueError(f"{source}: model file lacks {', '.join(sorted(missing))}")
            layers = int(data["layers"])
            return cls(
                classes=tuple(str(c) for c in data["classes"]),
                mean=data["mean"].astype(np.float64),
                scale=data["scale"].astype(np.float64),
                weights=tuple(data[f"w{i}"].astype(np.float64) for i in range(layers)),
                biases=tuple(data[f"b{i}"].astype(np.float64) for i in range(layers)),
                training_hash=str(data["training_hash"]),
                version=str(data["version"]),
            )


@dataclass(frozen=True)
class Recognition(Event):
    """What the person is doing over the last window. ``label`` is ``"unsure"`` below the confidence bar."""

    label: str
    confidence: float
    probabilities: dict[str, float]


UNSURE = "unsure"


class ExerciseRecogniser:
    """Windows of poses -> recognised exercise, smoothed with an exponential moving average.

    ``update`` is called every frame; every ``STRIDE_S`` it classifies the last ``WINDOW_S`` and
    returns a :class:`Recognition` (EMA over windows, alpha 0.5, as MediaPipe's pose classifier
    smooths its k-NN output). Below ``min_confidence`` the label is ``"unsure"``.
    """

    def __init__(self, model: RecogniserModel | None = None, min_confidence: float = 0.5) -> None:
        self.model = model or RecogniserModel.load()
        self.min_confidence = min_confidence
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self.reset()

    def reset(self) -> None:
        self._frames.clear()
        self._ema: np.ndarray | None = None
        self._next_s = WINDOW_S / 2

    def update(self, frame: PoseFrame) -> list[Event]:
        t = frame.t_s
        vec = frame_vector(frame)
        if vec is not None:
            self._frames.append((t, vec))
        while self._frames and self._frames[0][0] < t - WINDOW_S:
            self._frames.popleft()
        if t < self._next_s:
            return []
        self._next_s = t + STRIDE_S
        if len(self._frames) < MIN_FRAMES:
            return []
        probs = self.model.probabilities(window_features([v for _, v in self._frames]))[0]
        self._ema = probs if self._ema is None else 0.5 * self._ema + 0.5 * probs
        best = int(np.argmax(self._ema))
        confidence = float(self._ema[best])
        label = self.model.classes[best] if confidence >= self.min_confidence else UNSURE
        return [
            Recognition(
                t,
                label=label,
                confidence=confidence,
                probabilities={c: float(p) for c, p in zip(self.model.classes, self._ema, strict=True)},
            )
        ]


def windows(frames: Sequence[PoseFrame], window_s: float = WINDOW_S, stride_s: float = STRIDE_S) -> list[np.ndarray]:
    """Window features over a whole recording (for training and clip-level recognition)."""
    vectors = [(f.t_s, frame_vector(f)) for f in frames]
    present = [(t, v) for t, v in vectors if v is not None]
    if not present:
        return []
    out = []
    start = present[0][0]
    end = present[-1][0]
    t0 = start
    while t0 + window_s <= end + 1e-9 or t0 == start:
        chunk = [v for t, v in present if t0 <= t < t0 + window_s]
        if len(chunk) >= MIN_FRAMES:
            out.append(window_features(chunk))
        t0 += stride_s
        if t0 + window_s > end + 1e-9:
            break
    return out


@dataclass(frozen=True)
class ClipRecognition:
    """The exercise of a whole recording: best label, its share of the probability, and whether to trust it."""

    label: str
    confidence: float
    sure: bool


def recognise_clip(model: RecogniserModel, frames: Sequence[PoseFrame], min_confidence: float = 0.5) -> ClipRecognition:
    """The exercise of a whole recording (see :func:`recognise_windows`)."""
    return recognise_windows(model, windows(frames), min_confidence)


def recognise_windows(
    model: RecogniserModel, feats: Sequence[np.ndarray], min_confidence: float = 0.5
) -> ClipRecognition:
    """The class with the highest mean probability over the windows not judged idle.

    ``sure`` is False below ``min_confidence`` or when every window looks idle: callers say
    "not sure" instead of presenting the guess as fact.
    """
    if not len(feats):
        return ClipRecognition(label=IDLE, confidence=0.0, sure=False)
    probs = model.probabilities(np.asarray(feats))
    idle = model.classes.index(IDLE) if IDLE in model.classes else -1
    active = probs[np.argmax(probs, axis=1) != idle] if idle >= 0 else probs
    if not len(active):
        return ClipRecognition(label=IDLE, confidence=float(probs[:, idle].mean()), sure=False)
    mean = active.mean(axis=0)
    if idle >= 0:
        mean[idle] = 0.0
    best = int(np.argmax(mean))
    confidence = float(mean[best] / max(float(mean.sum()), 1e-9))
    return ClipRecognition(label=model.classes[best], confidence=confidence, sure=confidence >= min_confidence)
