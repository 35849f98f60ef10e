"""Before counting: is the set-up right (whole body, distance, light, view), and the neutral posture.

:class:`SetupCheck` looks at one frame at a time and lists what is wrong, most important first,
each with the sentence to say; the live session repeats the guidance (with cooldowns) until the
set-up has been right for a moment. :class:`NeutralCalibrator` then asks the person to stand tall
and still for three seconds and takes the medians of the flexion proxies as their own neutral
(:class:`~spinesafe.classifiers.flexion.Neutral`), which the flexion monitor compares against.

Both are pure: poses and numbers in, results out (brightness is measured by the caller).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from spinesafe.classifiers.events import CalibrationDone
from spinesafe.classifiers.exercises import ExerciseSpec
from spinesafe.classifiers.features import MIN_VISIBILITY, FrameFeatures, View
from spinesafe.classifiers.flexion import SUITABLE_VIEWS, UPRIGHT_MAX_INCLINATION_DEG, Neutral
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

EDGE_MARGIN = 0.01  # landmarks this close to the image border (fraction) count as cut off
# A standing person should fill 40-95% of the picture height: smaller and the landmarks get
# noisy (a laptop camera at 4-5 m); larger and a squat or a step takes them out of the picture.
MIN_BODY_FRACTION = 0.4
# Mean grey level (0-255) of the picture: below ~45 MediaPipe loses joints; above ~215 the
# person is usually backlit by a window.
DARK_GREY = 45.0
BRIGHT_GREY = 215.0

HEAD = (Landmark.NOSE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR)
FEET = (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE, Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL)
BODY_JOINTS = (Joint.SHOULDER, Joint.HIP, Joint.KNEE, Joint.ANKLE)


@dataclass(frozen=True)
class SetupProblem:
    key: str  # "no_person", "head_cut", "feet_cut", "body_unseen", "too_far", "dark", "bright", "view"
    message: str


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

    def check(self, pose: PoseFrame, features: FrameFeatures, brightness: float = math.nan) -> SetupReport:
        problems: list[SetupProblem] = []
        if math.isfinite(brightness) and brightness < DARK_GREY:
            problems.append(DARK)
        if not pose.present:
            problems.append(NO_PERSON)
            return SetupReport(tuple(problems), View.UNKNOWN)
        if math.isfinite(brightness) and brightness > BRIGHT_GREY:
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
    """Head-to-feet height over the image height (landmarks seen only)."""
    ys = [float(pose.landmarks[lm, 1]) for lm in (*HEAD, *FEET) if pose.visibility[lm] >= MIN_VISIBILITY]
    return max(ys) - min(ys) if len(ys) >= 2 else math.nan


# --- calibration -------------------------------------------------------------------------------------

CALIBRATION_S = 3.0  # "stand tall for three seconds"
STILL_MAX_MOVE = 0.03  # hip and shoulder may drift this fraction of the image height while still
STANDING_MIN_KNEE_DEG = 150.0  # knees straight enough to count as standing tall


@dataclass(frozen=True)
class Calibration:
    neutral: Neutral
    event: CalibrationDone
    frames: int


class NeutralCalibrator:
    """Collects ``duration_s`` of upright, still frames; the medians become the person's neutral.

    A frame that is not upright (trunk within 15 deg of vertical, as the flexion monitor uses),
    not still (hips moved more than 3% of the picture), knees bent, or without a neck-curl value
    (no side/oblique view) starts the count again, so the neutral is never learnt mid-movement.
    """

    def __init__(self, duration_s: float = CALIBRATION_S) -> None:
        self.duration_s = duration_s
        self.reset()

    def reset(self) -> None:
        self._start_s = math.nan
        self._anchor: tuple[float, float] | None = None
        self._curls: list[float] = []
        self._torsos: list[float] = []
        self._inclinations: list[float] = []
        self.restarts = 0
        self.reason = ""  # why the last frame did not count ("" when it did)

    def held_s(self, t_s: float) -> float:
        """Seconds of good frames so far."""
        return 0.0 if math.isnan(self._start_s) else t_s - self._start_s

    def update(self, pose: PoseFrame, features: FrameFeatures) -> Calibration | None:
        reason = self._reject(pose, features)
        if reason:
            if self._curls:
                self.restarts += 1
            self._start_s, self._anchor = math.nan, None
            self._curls, self._torsos, self._inclinations = [], [], []
            self.reason = reason
            return None
        self.reason = ""
        t = features.t_s
        if math.isnan(self._start_s):
            self._start_s = t
            self._anchor = _hip_shoulder_y(pose)
        self._curls.append(features.neck_curl_deg)
        if math.isfinite(features.torso_length_m):
            self._torsos.append(features.torso_length_m)
        self._inclinations.append(features.trunk_inclination_deg)
        if t - self._start_s < self.duration_s:
            return None
        curl = statistics.median(self._curls)
        torso = statistics.median(self._torsos) if self._torsos else math.nan
        inclination = statistics.median(self._inclinations)
        return Calibration(
            neutral=Neutral(neck_curl_deg=curl, torso_length_m=torso, calibrated=True),
            event=CalibrationDone(t, neck_curl_deg=curl, trunk_inclination_deg=inclination),
            frames=len(self._curls),
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
