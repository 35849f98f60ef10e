"""Baseline: MediaPipe's k-NN pose classifier with EMA smoothing, cross-validated like the recogniser.

    python scripts/eval_recogniser_baseline.py [CORPUS_DIR] [--cache DIR] [--frame-labels {project,clip}]
                                               [--synthetic-step N] [--corpus-step N]

The recogniser's issue names "MediaPipe's k-NN pose classifier with EMA smoothing" as the baseline
to beat. This script implements that baseline in numpy, after the MediaPipe "Pose classification"
colab (``FullBodyPoseEmbedder``, ``PoseClassifier``, ``EMADictSmoothing``), and measures it with the
protocol of ``spinesafe train-recogniser CORPUS_DIR --cross-validate``:

- the same data: every synthetic motion of :func:`spinesafe.lab.recogniser_training.synthetic_dataset`
  (its :func:`~spinesafe.lab.recogniser_training.synthetic_recordings`, same seed) and every corpus
  clip whose exercise is in the library and that has at least one recogniser window (39 clips),
  but as single FRAMES instead of 2 s windows;
- leave-one-clip-out: each corpus clip is classified by a classifier whose samples are the
  synthetic frames and the frames of every OTHER corpus clip;
- clip-level scoring as :func:`spinesafe.classifiers.recogniser.recognise_windows`: the clip's label
  is the class with the highest mean (EMA-smoothed) score over the clip's frames whose top class is
  not ``idle``; a clip whose frames are all idle is labelled ``idle`` (always wrong).

The baseline, per frame: embed the 33 image landmarks (pixels; x, y and MediaPipe's relative z)
as MediaPipe does (centre between the hips, scale by max(2.5 x torso, farthest landmark), 23
difference vectors between joints); keep the 30 samples nearest by the weighted maximum absolute
coordinate difference (axes weights 1, 1, 0.2), then the 10 of those nearest by the weighted mean
absolute difference, each distance the smaller of the query's and its horizontal mirror's; the
class counts among the 10 are smoothed over the clip's frames with ``EMADictSmoothing`` (window 10,
alpha 0.2). A frame without a person feeds an empty result to the smoother and is not scored, as in
the colab.

Training labels (``--frame-labels``): ``project`` (default) gives each frame of a counted
exercise (synthetic or corpus) the label of the nearest recogniser window as the project labels its
own training windows (a window with no joint movement is ``idle``); ``clip`` gives each such frame
the exercise, as a plain MediaPipe training set of "one folder a class" would. Either way, corpus
frames of a hold take the clip's exercise, frames of a synthetic hold are labelled by the keyframes
(inside the held pose: the exercise; at rest: ``idle``; moving in or out: left out) and the
synthetic standing motions are ``idle``.

To keep the run short the samples are subsampled (every 3rd synthetic frame, every 2nd corpus
frame; ``--synthetic-step 1 --corpus-step 1`` keeps them all, about three times slower); every
frame of the held-out clip is classified. Deterministic: fixed seeds, no random sampling.
Landmarks come from the cache (``~/.cache/spinesafe/corpus``; ``spinesafe eval`` fills it).
Figures, not assertions.

Measured on the 39-clip corpus when this script was written: 19/39 clips with the defaults (about
80 s on one core), 19/39 with ``--frame-labels clip``, 18/39 with every frame as a sample
(``--synthetic-step 1 --corpus-step 1``, about 4 min); the project's recogniser, same protocol:
37/39 (``spinesafe train-recogniser CORPUS_DIR --cross-validate``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spinesafe.classifiers.exercises import EXERCISES
from spinesafe.classifiers.recogniser import IDLE, timed_windows
from spinesafe.commands.train_recogniser import confusion_table, per_class_accuracy
from spinesafe.errors import InputFileError
from spinesafe.lab.evaluation import default_cache_dir, landmarks_for, load_manifest
from spinesafe.lab.recogniser_training import SEED, CrossValidation, Dataset, hold_label, synthetic_recordings
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Landmark as L

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# MediaPipe's defaults (colab "Pose classification"; PoseClassifier, EMADictSmoothing).
TORSO_SIZE_MULTIPLIER = 2.5
TOP_N_BY_MAX_DISTANCE = 30
TOP_N_BY_MEAN_DISTANCE = 10
AXES_WEIGHTS = (1.0, 1.0, 0.2)
EMA_WINDOW = 10
EMA_ALPHA = 0.2
# Subsampling of the classifier's samples (not of the held-out clip's frames), chosen for speed.
SYNTHETIC_STEP = 3
CORPUS_STEP = 2
QUERY_BLOCK = 128  # held-out frames per distance block: (128, samples) float32 arrays

_Point = tuple[L, ...]  # one landmark, or several averaged
# FullBodyPoseEmbedder._get_pose_distance_embedding: (from, to) pairs, the vector is to - from.
# 23 pairs, as in MediaPipe's code: the left and right hip-to-wrist vectors appear twice ("four
# joints" and "five joints"), and the commented-out "body bent direction" pairs are left out.
EMBEDDING_PAIRS: tuple[tuple[_Point, _Point], ...] = (
    # One joint.
    ((L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)),
    ((L.LEFT_SHOULDER,), (L.LEFT_ELBOW,)),
    ((L.RIGHT_SHOULDER,), (L.RIGHT_ELBOW,)),
    ((L.LEFT_ELBOW,), (L.LEFT_WRIST,)),
    ((L.RIGHT_ELBOW,), (L.RIGHT_WRIST,)),
    ((L.LEFT_HIP,), (L.LEFT_KNEE,)),
    ((L.RIGHT_HIP,), (L.RIGHT_KNEE,)),
    ((L.LEFT_KNEE,), (L.LEFT_ANKLE,)),
    ((L.RIGHT_KNEE,), (L.RIGHT_ANKLE,)),
    # Two joints.
    ((L.LEFT_SHOULDER,), (L.LEFT_WRIST,)),
    ((L.RIGHT_SHOULDER,), (L.RIGHT_WRIST,)),
    ((L.LEFT_HIP,), (L.LEFT_ANKLE,)),
    ((L.RIGHT_HIP,), (L.RIGHT_ANKLE,)),
    # Four joints.
    ((L.LEFT_HIP,), (L.LEFT_WRIST,)),
    ((L.RIGHT_HIP,), (L.RIGHT_WRIST,)),
    # Five joints.
    ((L.LEFT_SHOULDER,), (L.LEFT_ANKLE,)),
    ((L.RIGHT_SHOULDER,), (L.RIGHT_ANKLE,)),
    ((L.LEFT_HIP,), (L.LEFT_WRIST,)),
    ((L.RIGHT_HIP,), (L.RIGHT_WRIST,)),
    # Cross body.
    ((L.LEFT_ELBOW,), (L.RIGHT_ELBOW,)),
    ((L.LEFT_KNEE,), (L.RIGHT_KNEE,)),
    ((L.LEFT_WRIST,), (L.RIGHT_WRIST,)),
    ((L.LEFT_ANKLE,), (L.RIGHT_ANKLE,)),
)
EMBEDDING_DIM = 3 * len(EMBEDDING_PAIRS)
_WEIGHTS = np.tile(np.asarray(AXES_WEIGHTS), len(EMBEDDING_PAIRS))  # per embedding value
_MIRROR = np.array([-1.0, 1.0, 1.0])


def _mean_point(landmarks: np.ndarray, point: _Point) -> np.ndarray:
    return np.asarray(landmarks[:, list(point)].mean(axis=1))


def embed(landmarks: np.ndarray) -> np.ndarray:
    """FullBodyPoseEmbedder over frames: (n, 33, 3) landmarks in pixels -> (n, 69) embeddings."""
    hips = _mean_point(landmarks, (L.LEFT_HIP, L.RIGHT_HIP))
    centred = landmarks - hips[:, None, :]
    # Pose size from x and y only: max(torso * 2.5, farthest landmark from the hip centre).
    torso = np.linalg.norm(_mean_point(centred, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER))[:, :2], axis=1)
    farthest = np.linalg.norm(centred[:, :, :2], axis=2).max(axis=1)
    size = np.maximum(torso * TORSO_SIZE_MULTIPLIER, farthest)
    normalised = centred / size[:, None, None] * 100.0  # MediaPipe's "* 100, easier to debug"
    vectors = [_mean_point(normalised, to) - _mean_point(normalised, start) for start, to in EMBEDDING_PAIRS]
    return np.asarray(np.stack(vectors, axis=1).reshape(len(landmarks), EMBEDDING_DIM))


def embed_frames(frames: Sequence[PoseFrame]) -> np.ndarray:
    """Embeddings of the frames with a person, in order."""
    present = [f.pixels() for f in frames if f.present]
    return embed(np.asarray(present)) if present else np.zeros((0, EMBEDDING_DIM))


@dataclass
class Track:
    """One recording as the classifier sees it: the embedding of each present frame, with its
    training label (None: not a sample), and where the absent frames were."""

    group: str  # corpus clip file, or "synthetic:<exercise>"
    present: np.ndarray  # (frames,) bool
    embeddings: np.ndarray  # (present frames, 69)
    labels: list[str | None]  # per present frame


def _window_labels(frames: Sequence[PoseFrame], label: str, group: str, idle_when_still: bool) -> list[str]:
    """Each present frame's label: that of the nearest recogniser window as the project labels its
    training windows (:meth:`spinesafe.lab.recogniser_training.Dataset.add`)."""
    timed = [w for w in timed_windows(frames) if w.features is not None]
    data = Dataset()
    data.add([w.features for w in timed if w.features is not None], label, group, idle_when_still)
    centres = np.array([w.t_s for w in timed])
    times = np.array([f.t_s for f in frames if f.present])
    nearest = np.abs(times[:, None] - centres[None, :]).argmin(axis=1)
    return [data.y[i] for i in nearest]


def synthetic_tracks(seed: int, frame_labels: str) -> list[Track]:
    """The frames of every motion of ``synthetic_dataset(seed)`` (:func:`synthetic_recordings`)."""
    out: list[Track] = []
    for recording in synthetic_recordings(seed):
        frames = recording.frames
        labels: list[str | None]
        if recording.exercise == IDLE:
            labels = [IDLE] * sum(f.present for f in frames)
        elif recording.hold:
            labels = [hold_label(recording.keyframes, f.t_s, f.t_s, recording.exercise) for f in frames if f.present]
        elif frame_labels == "project":
            labels = [*_window_labels(frames, recording.exercise, recording.group, idle_when_still=True)]
        else:
            labels = [recording.exercise] * sum(f.present for f in frames)
        present = np.array([f.present for f in frames])
        out.append(Track(recording.group, present, embed_frames(frames), labels))
    return out


def corpus_tracks(corpus_dir: Path, cache_dir: Path, frame_labels: str) -> tuple[list[Track], dict[str, str]]:
    """Every clip of ``corpus_dataset``: exercise in the library and at least one recogniser window."""
    out: list[Track] = []
    truth: dict[str, str] = {}
    for clip in load_manifest(corpus_dir):
        exercise = clip["exercise"]
        if exercise not in EXERCISES:
            continue
        frames: list[PoseFrame] = list(landmarks_for(corpus_dir / clip["file"], cache_dir))
        if not any(w.features is not None for w in timed_windows(frames)):
            continue  # corpus_dataset skips clips without windows (a 4-frame keyframe slideshow)
        hold = EXERCISES[exercise].kind.value == "hold"
        labels: list[str | None]
        if frame_labels == "project":
            labels = [*_window_labels(frames, exercise, clip["file"], idle_when_still=not hold)]
        else:
            labels = [exercise] * sum(f.present for f in frames)
        present = np.array([f.present for f in frames])
        out.append(Track(clip["file"], present, embed_frames(frames), labels))
        truth[clip["file"]] = exercise
    return out, truth


@dataclass
class Samples:
    """The classifier's pose samples: weighted embeddings, class index and recording of each."""

    weighted: np.ndarray  # (n, 69) float32, embedding * axes weights
    label: np.ndarray  # (n,) index into classes
    group: np.ndarray  # (n,) recording name
    classes: tuple[str, ...]


def samples(tracks: Sequence[Track], steps: Sequence[int]) -> Samples:
    """Every ``step``-th present frame of each track (from its first), when it has a label."""
    rows: list[np.ndarray] = []
    labels: list[str] = []
    groups: list[str] = []
    for seq, step in zip(tracks, steps, strict=True):
        for i in range(0, len(seq.labels), step):
            label = seq.labels[i]
            if label is not None:
                rows.append(seq.embeddings[i])
                labels.append(label)
                groups.append(seq.group)
    classes = tuple(sorted(set(labels)))
    return Samples(
        weighted=(np.asarray(rows) * _WEIGHTS).astype(np.float32),
        label=np.array([classes.index(c) for c in labels]),
        group=np.array(groups),
        classes=classes,
    )


def _max_distances(weighted: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(queries, samples) weighted maximum absolute difference, the smaller of the query's and
    its mirror's (MediaPipe flips the landmarks' x; the embedding's x components flip with them)."""
    out = None
    for query in (queries, queries * np.tile(_MIRROR, len(EMBEDDING_PAIRS))):
        q = (query * _WEIGHTS).astype(np.float32)
        acc = np.zeros((len(q), len(weighted)), dtype=np.float32)
        for j in range(EMBEDDING_DIM):
            np.maximum(acc, np.abs(q[:, j, None] - weighted[None, :, j]), out=acc)
        out = acc if out is None else np.minimum(out, acc)
    assert out is not None
    return out


def _mean_distances(candidates: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(queries, candidates) weighted mean absolute difference of each query to its own candidates
    ((queries, candidates, 69) weighted embeddings), the smaller of the query's and its mirror's."""
    mirrored = queries * np.tile(_MIRROR, len(EMBEDDING_PAIRS))
    means = [
        np.abs(candidates - (q * _WEIGHTS).astype(np.float32)[:, None, :]).mean(axis=2) for q in (queries, mirrored)
    ]
    return np.asarray(np.minimum(*means))


def classify(pool: Samples, exclude: str, queries: np.ndarray) -> np.ndarray:
    """PoseClassifier over the samples not of recording ``exclude``: (queries, classes) counts of
    each class among the top 10 by mean distance of the top 30 by max distance. Ties are broken as
    MediaPipe's stable sorts break them (sample order, then max-distance order)."""
    keep = pool.group != exclude
    weighted, labels = pool.weighted[keep], pool.label[keep]
    counts = np.zeros((len(queries), len(pool.classes)))
    n_max, n_mean = TOP_N_BY_MAX_DISTANCE, TOP_N_BY_MEAN_DISTANCE
    for lo in range(0, len(queries), QUERY_BLOCK):
        block = queries[lo : lo + QUERY_BLOCK]
        d_max = _max_distances(weighted, block)
        rows = np.arange(len(block))[:, None]
        # The 30 smallest in (distance, sample index) order, as sorted() of MediaPipe's heap.
        threshold = np.partition(d_max, n_max - 1, axis=1)[:, n_max - 1 : n_max]
        below = d_max < threshold
        tied = d_max == threshold
        room = n_max - below.sum(axis=1, keepdims=True)
        chosen = below | (tied & (np.cumsum(tied, axis=1) <= room))
        top = np.nonzero(chosen)[1].reshape(len(block), n_max)  # sample order
        top = top[rows, np.argsort(d_max[rows, top], axis=1, kind="stable")]
        d_mean = _mean_distances(weighted[top], block)
        nearest = top[rows, np.argsort(d_mean, axis=1, kind="stable")[:, :n_mean]]
        for k in range(n_mean):
            np.add.at(counts, (np.arange(lo, lo + len(block)), labels[nearest[:, k]]), 1.0)
    return counts


def ema_smooth(counts: np.ndarray, window: int = EMA_WINDOW, alpha: float = EMA_ALPHA) -> np.ndarray:
    """EMADictSmoothing over consecutive results (rows; an all-zero row is an empty dict): each
    output is sum_k (1 - alpha)^k x[t - k] / sum_k (1 - alpha)^k over the last ``window`` inputs."""
    out = np.zeros_like(counts)
    for t in range(len(counts)):
        past = counts[max(0, t - window + 1) : t + 1][::-1]
        factors = (1.0 - alpha) ** np.arange(len(past))
        out[t] = factors @ past / factors.sum()
    return out


def clip_label(smoothed: np.ndarray, classes: Sequence[str]) -> tuple[str, float]:
    """As ``recognise_windows``: the best class by mean score over frames whose top class is not idle."""
    idle = classes.index(IDLE) if IDLE in classes else -1
    active = smoothed[smoothed.argmax(axis=1) != idle] if idle >= 0 else smoothed
    if not len(active):
        return IDLE, 0.0
    mean = active.mean(axis=0)
    if idle >= 0:
        mean[idle] = 0.0
    best = int(np.argmax(mean))
    return classes[best], float(mean[best] / max(float(mean.sum()), 1e-9))


def leave_one_clip_out(
    corpus_dir: Path,
    cache_dir: Path,
    frame_labels: str = "project",
    synthetic_step: int = SYNTHETIC_STEP,
    corpus_step: int = CORPUS_STEP,
    seed: int = SEED,
) -> CrossValidation:
    """Each corpus clip classified frame by frame by the baseline whose samples are the synthetic
    frames (drawn with ``seed``) and the frames of every other clip; labelled as in ``recognise_windows``."""
    start = time.monotonic()
    synth = synthetic_tracks(seed, frame_labels)
    corpus, truth = corpus_tracks(corpus_dir, cache_dir, frame_labels)
    pool = samples([*synth, *corpus], [synthetic_step] * len(synth) + [corpus_step] * len(corpus))
    n_synth = int(sum(g.startswith("synthetic:") for g in pool.group))
    print(
        f"samples: {n_synth} synthetic frames (1 in {synthetic_step}), {len(pool.group) - n_synth} corpus frames "
        f"(1 in {corpus_step}), {len(pool.classes)} classes; frame labels: {frame_labels}; "
        f"held-out clips: every frame ({sum(len(s.labels) for s in corpus)} with a person)"
    )
    per_clip: list[tuple[str, str, str, float]] = []
    for seq in sorted(corpus, key=lambda s: s.group):
        counts = classify(pool, seq.group, seq.embeddings)
        stream = np.zeros((len(seq.present), len(pool.classes)))  # absent frames: empty results
        stream[seq.present] = counts
        smoothed = ema_smooth(stream)[seq.present]  # absent frames are not scored
        predicted, confidence = clip_label(smoothed, pool.classes)
        per_clip.append((seq.group, truth[seq.group], predicted, confidence))
    return CrossValidation.of(per_clip, time.monotonic() - start)


def _step(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value!r}")
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "corpus",
        type=Path,
        nargs="?",
        default=DEFAULT_CORPUS,
        metavar="CORPUS_DIR",
        help=f"labelled corpus (default {DEFAULT_CORPUS})",
    )
    parser.add_argument("--cache", type=Path, metavar="DIR", help="landmark cache (default ~/.cache/spinesafe/corpus)")
    parser.add_argument(
        "--frame-labels",
        choices=("project", "clip"),
        default="project",
        help="labels of the frames of counted exercises: the nearest window's label as the project labels "
        "windows (no joint movement: idle; default), or the exercise for every frame (plain MediaPipe)",
    )
    parser.add_argument(
        "--synthetic-step",
        type=_step,
        default=SYNTHETIC_STEP,
        metavar="N",
        help=f"keep 1 in N synthetic frames as samples (default {SYNTHETIC_STEP})",
    )
    parser.add_argument(
        "--corpus-step",
        type=_step,
        default=CORPUS_STEP,
        metavar="N",
        help=f"keep 1 in N frames of the other corpus clips as samples (default {CORPUS_STEP})",
    )
    args = parser.parse_args()
    if not (args.corpus / "manifest.json").is_file():
        print(f"error: {args.corpus}: no manifest.json in the corpus folder", file=sys.stderr)
        return 1
    try:
        cv = leave_one_clip_out(
            args.corpus, args.cache or default_cache_dir(), args.frame_labels, args.synthetic_step, args.corpus_step
        )
    except InputFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for clip, truth, predicted, confidence in cv.per_clip:
        mark = "" if truth == predicted else "  <- wrong"
        print(f"{Path(clip).stem[:40]:40s} {truth:22s} {predicted:22s} {confidence:4.2f}{mark}")
    n = len(cv.per_clip)
    right = cv.right
    print()
    print(confusion_table(cv.confusion))
    print()
    print(per_class_accuracy(cv))
    print()
    print(
        f"MediaPipe k-NN + EMA baseline, clip accuracy (leave-one-clip-out): {cv.accuracy:.2f} "
        f"({right}/{n} clips), {cv.seconds:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
