"""Before counting: is the set-up right (whole body, distance, light, view), and the neutral posture.

:class:`SetupCheck` looks at one frame at a time and lists what is wrong, most important first,
each with the sentence to say; the live session repeats the guidance (with cooldowns) until the
set-up has been right for a moment. :class:`NeutralCalibrator` then asks the person to stand tall
and still for three seconds and takes the medians of the flexion proxies as their own neutral
(:class:`~spinesafe.classifiers.flexion.Neutral`), which the flexion monitor compares against.

Light is judged from the picture's pixels against the pose (:func:`measure_light`): "too bright"
means backlight, a bright source behind a person who is darker than it, never merely a bright
room or a white wall. Everything here is pure numpy: poses and pixel arrays in, results out.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

import numpy as np

from spinesafe.classifiers.events import CalibrationDone
from spinesafe.classifiers.exercises import ExerciseSpec
from spinesafe.classifiers.features import MIN_VISIBILITY, FrameFeatures, View
from spinesafe.classifiers.flexion import SUITABLE_VIEWS, UPRIGHT_MAX_INCLINATION_DEG, Neutral
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

EDGE_MARGIN = 0.01  # landmarks this close to the image border (fraction) count as cut off
# A standing person should fill 40-95% of the picture height: smaller and the landmarks get
# noisy (a laptop camera at 4-5 m); larger and a squat or a step takes them out of the picture.
# A person lying or on all fours (a bridge, a push-up) is measured across, in picture heights.
MIN_BODY_FRACTION = 0.4
# Too dark: below a grey of ~45 MediaPipe loses joints. Judged on the person's brightest tenth when
# there is a person (a lit person before a black studio wall or in a low-key gym is seen well: on
# the corpus they read 150-170 with the picture's mean at 28-31), else on the picture's mean.
DARK_GREY = 45.0
# Backlight: a bright source behind a darker person. A camera exposes for the whole picture, so a
# window or lamp behind the person leaves all of them dark, skin and light clothes included; a lit
# person in dark clothes in front of a white wall still has bright parts (face, arms). So the
# person's grey is the 90th percentile of pixels on the body (or the face's median, if brighter),
# and backlight is: the brightest tenth
# of the background around the person at or above BRIGHT_SOURCE_GREY (a window, a lamp, a lit
# white wall) while even the person's brightest tenth is at or below BACKLIT_PERSON_GREY. Measured
# on the corpus (scripts/eval_setup_check.py): lit people before white studio walls read 133-230
# on the person (margin 33 over the limit); a man before gym windows reads 82.
BRIGHT_SOURCE_GREY = 200.0
BACKLIT_PERSON_GREY = 100.0
PERSON_QUANTILE = 90.0
# The box of the seen landmarks misses hair, hands, feet and clothing: it is padded by this share
# of its larger side before the background ring (out to RING of the larger side beyond it) starts.
BOX_PAD = 0.1
RING = 0.5

HEAD = (Landmark.NOSE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR)
FEET = (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE, Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL)
BODY_JOINTS = (Joint.SHOULDER, Joint.HIP, Joint.KNEE, Joint.ANKLE)


@dataclass(frozen=True)
class SetupProblem:
    key: str  # "no_person", "head_cut", "feet_cut", "body_unseen", "too_far", "dark", "bright", "view"
    message: str


@dataclass(frozen=True)
class Light:
    """Grey levels (0-255) of one picture: its mean, the person's brightest tenth (90th
    percentile; NaN without a person) and the background's brightest tenth around them (NaN when
    the person fills the picture). See :func:`measure_light`."""

    picture_grey: float
    person_grey: float = math.nan
    around_grey: float = math.nan

    @property
    def dark(self) -> bool:
        """Too dark to see the person well (see DARK_GREY); False when unknown."""
        grey = self.person_grey if math.isfinite(self.person_grey) else self.picture_grey
        return grey < DARK_GREY

    @property
    def backlit(self) -> bool:
        """A bright source behind a darker person (see BRIGHT_SOURCE_GREY); False when unknown."""
        return self.around_grey >= BRIGHT_SOURCE_GREY and self.person_grey <= BACKLIT_PERSON_GREY


NO_PERSON = SetupProblem("no_person", "Step into the picture, so I can see you.")
DARK = SetupProblem("dark", "It is too dark for me to see you. Turn on a light or open a curtain.")
BRIGHT = SetupProblem("bright", "The light behind you is too bright. Close a curtain or move the camera.")
HEAD_CUT = SetupProblem("head_cut", "Step back a little, so I can see your head.")
FEET_CUT = SetupProblem("feet_cut", "Step back or tilt the camera down, so I can see your feet.")
BODY_UNSEEN = SetupProblem("body_unseen", "Move so that I can see all of you, from head to feet.")
TOO_FAR = SetupProblem("too_far", "Come a little closer to the camera.")
SETUP_PROBLEMS = (NO_PERSON, DARK, BRIGHT, HEAD_CUT, FEET_CUT, BODY_UNSEEN, TOO_FAR)


@dataclass(frozen=True)
class SetupReport:
    problems: tuple[SetupProblem, ...]
    view: View

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        """The sentence for the most important problem, or "" when all is well."""
        return self.problems[0].message if self.problems else ""


def view_advice(spec: ExerciseSpec | None, view: View) -> str:
    """What to say when ``view`` does not suit ``spec`` ("" when it does, or cannot be told).

    A side view is recommended whenever the exercise allows it: flexion (rounding of the back)
    is judged from the side (DESIGN.md); from the front it is mostly depth, which one camera
    sees poorly.
    """
    if view is View.UNKNOWN:
        return ""
    views = spec.views if spec is not None else SUITABLE_VIEWS  # unknown exercise: a view the back is judged from
    if View.SIDE in views and view is View.FRONT:
        return "Turn sideways to the camera, so I can check your back."
    if view not in views:
        if View.FRONT in views:
            return "Face the camera for this exercise."
        return "Turn sideways to the camera for this exercise."
    return ""


class SetupCheck:
    """What is wrong with the set-up in one frame, most important first."""

    def __init__(self, spec: ExerciseSpec | None = None) -> None:
        self.spec = spec

    def check(self, pose: PoseFrame, features: FrameFeatures, light: Light | None = None) -> SetupReport:
        """``light``: the picture's grey levels (:func:`measure_light`); None when there is no
        picture (a landmark replay), and then light is not judged."""
        problems: list[SetupProblem] = []
        if light is not None and light.dark:
            problems.append(DARK)
        if not pose.present:
            problems.append(NO_PERSON)
            return SetupReport(tuple(problems), View.UNKNOWN)
        if light is not None and light.backlit:
            problems.append(BRIGHT)
        head = _seen_inside(pose, HEAD)
        feet = _seen_inside(pose, FEET)
        if not head:
            problems.append(HEAD_CUT)
        if not feet:
            problems.append(FEET_CUT)
        missing = [j for j in BODY_JOINTS if not any(_seen(pose, sided(j, s)) for s in Side)]
        if head and feet and missing:
            problems.append(BODY_UNSEEN)
        if head and feet and not missing:
            fraction = _body_fraction(pose)
            if math.isfinite(fraction) and fraction < MIN_BODY_FRACTION:
                problems.append(TOO_FAR)
        advice = view_advice(self.spec, features.view)
        if advice:
            problems.append(SetupProblem("view", advice))
        return SetupReport(tuple(problems), features.view)


def _seen(pose: PoseFrame, landmark: Landmark) -> bool:
    if pose.visibility[landmark] < MIN_VISIBILITY:
        return False
    x, y = float(pose.landmarks[landmark, 0]), float(pose.landmarks[landmark, 1])
    return EDGE_MARGIN <= x <= 1 - EDGE_MARGIN and EDGE_MARGIN <= y <= 1 - EDGE_MARGIN


def _seen_inside(pose: PoseFrame, group: tuple[Landmark, ...]) -> bool:
    """At least one landmark of the group seen, and none of the seen ones at the border."""
    seen = [lm for lm in group if pose.visibility[lm] >= MIN_VISIBILITY]
    return bool(seen) and all(_seen(pose, lm) for lm in seen)


def _body_fraction(pose: PoseFrame) -> float:
    """The head-to-feet span: upright, the share of the picture's height; lying down, the width it
    spans in picture heights (a landscape picture), or its share of the width (a portrait one,
    whose width is all a lying person can fill). Landmarks seen only."""
    seen = [lm for lm in (*HEAD, *FEET) if pose.visibility[lm] >= MIN_VISIBILITY]
    if len(seen) < 2:
        return math.nan
    width, height = pose.image_size
    span_x, span_y = pose.landmarks[seen, :2].max(axis=0) - pose.landmarks[seen, :2].min(axis=0)
    return float(max(span_y, span_x * max(1.0, width / height)))


# --- light ---------------------------------------------------------------------------------------------

# Body parts sampled for the person's grey: the trunk's sides and every limb. Lit skin anywhere
# (shins under shorts, forearms) says the person is lit; a thin limb's samples may catch some
# background, which only makes backlight less likely to be called.
BODY_SEGMENTS = tuple(
    (sided(a, side), sided(b, side))
    for side in Side
    for a, b in (
        (Joint.SHOULDER, Joint.HIP),
        (Joint.HIP, Joint.KNEE),
        (Joint.KNEE, Joint.ANKLE),
        (Joint.SHOULDER, Joint.ELBOW),
        (Joint.ELBOW, Joint.WRIST),
    )
)
FACE = (Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR)
SAMPLES_PER_SEGMENT = 9
# The picture is subsampled to about this many pixels along its longer side: light is a broad
# measure, and ~9,000 pixels (128 x 72) keep it well under a millisecond a frame.
LIGHT_SIDE_PX = 128


def grey_levels(image: np.ndarray) -> np.ndarray:
    """(h, w) float32 grey (ITU-R BT.601 luma) of a (H, W, 3) BGR uint8 image, subsampled to about
    LIGHT_SIDE_PX along its longer side (a cheap, even subsample: light changes slowly)."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a (H, W, 3) BGR image, got shape {image.shape}")
    step = max(1, max(image.shape[:2]) // LIGHT_SIDE_PX)
    small = image[::step, ::step].astype(np.float32)
    return small[..., 0] * 0.114 + small[..., 1] * 0.587 + small[..., 2] * 0.299


def measure_light(image: np.ndarray, pose: PoseFrame, mask: np.ndarray | None = None) -> Light:
    """The picture's light for the set-up check: its mean grey, the person's brightest tenth and the
    background's brightest tenth in a ring around the person.

    The person is the pixels along the trunk and thighs and at the face landmarks seen, or with
    ``mask`` (MediaPipe's person segmentation, H x W in [0, 1], the image's size) the pixels it
    marks. The background is the ring beyond the box of the seen landmarks (padded by BOX_PAD,
    out to RING of its larger side), less the mask's person where there is one.
    """
    grey = grey_levels(image)
    picture = float(grey.mean()) if grey.size else math.nan
    if not pose.present:
        return Light(picture)
    h, w = grey.shape
    seen = pose.visibility >= MIN_VISIBILITY
    if not seen.any():
        return Light(picture)
    points = pose.landmarks[:, :2] * np.array([w, h])
    person_mask = _subsampled_mask(mask, (h, w))
    if person_mask is not None and person_mask.any():
        person_grey = float(np.percentile(grey[person_mask], PERSON_QUANTILE))
    else:
        person_mask = None
        person_grey = _person_grey(grey, points, seen)
    ring = _ring(points[seen], (h, w))
    if person_mask is not None:
        ring &= ~person_mask
    around = grey[ring]
    around_grey = float(np.percentile(around, PERSON_QUANTILE)) if around.size else math.nan
    return Light(picture, person_grey, around_grey)


# One frame's reading flickers with the pose (a dark sleeve over the face, a limb before a dark
# chair); light changes slowly, so it is judged on the median of the last second.
LIGHT_WINDOW_S = 1.0


class LightMeter:
    """The median :class:`Light` of the last ``window_s`` seconds of readings."""

    def __init__(self, window_s: float = LIGHT_WINDOW_S) -> None:
        self.window_s = window_s
        self._readings: deque[tuple[float, Light]] = deque()

    def reset(self) -> None:
        self._readings.clear()

    def update(self, t_s: float, light: Light) -> Light:
        readings = self._readings
        readings.append((t_s, light))
        while readings[0][0] < t_s - self.window_s:
            readings.popleft()
        return Light(*(_median([getattr(r, name) for _, r in readings]) for name in LIGHT_FIELDS))


LIGHT_FIELDS = ("picture_grey", "person_grey", "around_grey")


def _median(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def _subsampled_mask(mask: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray | None:
    """The segmentation mask at the grey image's size as booleans (person where >= 0.5)."""
    if mask is None:
        return None
    rows = np.linspace(0, mask.shape[0] - 1, shape[0]).astype(int)
    cols = np.linspace(0, mask.shape[1] - 1, shape[1]).astype(int)
    return np.asarray(mask[np.ix_(rows, cols)] >= 0.5)


def _person_grey(grey: np.ndarray, points: np.ndarray, seen: np.ndarray) -> float:
    """The brighter of the body's brightest tenth (trunk and thighs) and the face's median: a face
    seen in profile is a few samples among many, and dark clothes must not hide that it is lit."""
    along = np.linspace(0.1, 0.9, SAMPLES_PER_SEGMENT)[:, None]
    body = [points[a] + (points[b] - points[a]) * along for a, b in BODY_SEGMENTS if seen[a] and seen[b]]
    face = points[[lm for lm in FACE if seen[lm]]]
    levels = []
    if body:
        samples = _at(grey, np.concatenate(body))
        levels.append(float(np.percentile(samples, PERSON_QUANTILE)) if samples.size else math.nan)
    samples = _at(grey, face)
    levels.append(float(np.median(samples)) if samples.size else math.nan)
    return max((v for v in levels if math.isfinite(v)), default=math.nan)


def _at(grey: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Grey levels at pixel points (x, y), those inside the picture."""
    h, w = grey.shape
    xy = np.rint(points).astype(int).reshape(-1, 2)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    return grey[xy[inside, 1], xy[inside, 0]]


def _ring(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Boolean (h, w): the background ring around the padded box of ``points`` (pixel x, y); the
    whole picture outside the box when the ring falls outside the picture."""
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    size = max(x1 - x0, y1 - y0)
    pad, reach = BOX_PAD * size, (BOX_PAD + RING) * size
    in_box = _box(shape, x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    ring = _box(shape, x0 - reach, y0 - reach, x1 + reach, y1 + reach) & ~in_box
    return ring if ring.any() else ~in_box


def _box(shape: tuple[int, int], x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Boolean (h, w), True on the pixels inside the box (clipped to the picture)."""
    h, w = shape
    box = np.zeros((h, w), dtype=bool)
    box[max(0, math.ceil(y0)) : max(0, math.floor(y1) + 1), max(0, math.ceil(x0)) : max(0, math.floor(x1) + 1)] = True
    return box


# --- calibration -------------------------------------------------------------------------------------

CALIBRATION_S = 3.0  # "stand tall for three seconds": seconds of upright, still frames in all
STILL_MAX_MOVE = 0.03  # hip and shoulder may drift this fraction of the image height while still
STANDING_MIN_KNEE_DEG = 150.0  # knees straight enough to count as standing tall
# A still, upright moment counts once it has lasted this long. The top of a controlled rep (a squat
# of 2-4 s stands for about half a second) counts; a frame or two of passing upright does not.
MIN_MOMENT_S = 0.3


@dataclass(frozen=True)
class Calibration:
    neutral: Neutral
    event: CalibrationDone
    frames: int
    moments: int = 1  # still, upright moments the frames came from


class NeutralCalibrator:
    """Collects ``duration_s`` of upright, still frames in all; the medians become the person's neutral.

    The frames come from still, upright moments whenever they happen: before the first rep, at
    the top of reps, between sets. A frame that is not upright (trunk within 15 deg of vertical,
    as the flexion monitor uses), knees bent, or without a neck-curl value (no side/oblique view)
    ends the moment; hips or shoulders drifting more than 3% of the picture from where the moment
    began start a new one. A moment shorter than MIN_MOMENT_S is dropped, so the neutral is never
    learnt mid-movement.
    """

    def __init__(self, duration_s: float = CALIBRATION_S) -> None:
        self.duration_s = duration_s
        self.reset()

    def reset(self) -> None:
        self._kept: list[tuple[float, float, float]] = []  # (curl, torso, inclination) of moments kept
        self._kept_s = 0.0
        self._moments = 0
        self._start_s = math.nan  # the current moment
        self._last_s = math.nan
        self._anchor: tuple[float, float] | None = None
        self._moment: list[tuple[float, float, float]] = []
        self.restarts = 0  # moments ended before the neutral was learnt
        self.reason = ""  # why the last frame did not count ("" when it did)

    def held_s(self, t_s: float) -> float:
        """Seconds of good frames so far (the moments kept, and the current one once long enough)."""
        return self._kept_s + self._current_s(t_s)

    def _current_s(self, t_s: float) -> float:
        if math.isnan(self._start_s):
            return 0.0
        length = t_s - self._start_s
        return length if length >= MIN_MOMENT_S else 0.0

    def _end_moment(self) -> None:
        if self._moment:
            self.restarts += 1
            length = self._current_s(self._last_s)
            if length > 0:
                self._kept += self._moment
                self._kept_s += length
                self._moments += 1
        self._start_s, self._anchor, self._moment = math.nan, None, []

    def update(self, pose: PoseFrame, features: FrameFeatures) -> Calibration | None:
        reason = self._reject(pose, features)
        if reason == "moving":  # still upright: a new moment starts here
            self._end_moment()
            reason = ""
        if reason:
            self._end_moment()
            self.reason = reason
            return None
        self.reason = ""
        t = features.t_s
        if math.isnan(self._start_s):
            self._start_s = t
            self._anchor = _hip_shoulder_y(pose)
        self._last_s = t
        self._moment.append((features.neck_curl_deg, features.torso_length_m, features.trunk_inclination_deg))
        if self.held_s(t) < self.duration_s:
            return None
        frames = self._kept + self._moment
        curl = statistics.median(f[0] for f in frames)
        torsos = [f[1] for f in frames if math.isfinite(f[1])]
        torso = statistics.median(torsos) if torsos else math.nan
        inclination = statistics.median(f[2] for f in frames)
        return Calibration(
            neutral=Neutral(neck_curl_deg=curl, torso_length_m=torso, calibrated=True),
            event=CalibrationDone(t, neck_curl_deg=curl, trunk_inclination_deg=inclination),
            frames=len(frames),
            moments=self._moments + 1,
        )

    def _reject(self, pose: PoseFrame, features: FrameFeatures) -> str:
        if not features.present:
            return "not seen"
        if not math.isfinite(features.trunk_inclination_deg) or (
            features.trunk_inclination_deg > UPRIGHT_MAX_INCLINATION_DEG
        ):
            return "not upright"
        if not math.isfinite(features.neck_curl_deg):
            return "no side view"
        knee = features.angle("knee")
        if math.isfinite(knee) and knee < STANDING_MIN_KNEE_DEG:
            return "knees bent"
        if self._anchor is not None:
            hip_y, shoulder_y = _hip_shoulder_y(pose)
            if abs(hip_y - self._anchor[0]) > STILL_MAX_MOVE or abs(shoulder_y - self._anchor[1]) > STILL_MAX_MOVE:
                return "moving"
        return ""


def _hip_shoulder_y(pose: PoseFrame) -> tuple[float, float]:
    lm = pose.landmarks
    hip = (lm[Landmark.LEFT_HIP, 1] + lm[Landmark.RIGHT_HIP, 1]) / 2
    shoulder = (lm[Landmark.LEFT_SHOULDER, 1] + lm[Landmark.RIGHT_SHOULDER, 1]) / 2
    return float(hip), float(shoulder)
