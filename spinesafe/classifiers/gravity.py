"""Where "up" is in the camera's frame: the camera's pitch and roll, learnt from the body.

MediaPipe's world landmarks are metric but camera-aligned (x image-right, y down, z away from
the camera), not gravity-aligned: a laptop on a desk looking down, or a phone on the floor
looking up, tilts every inclination measured against the camera's y axis. Nothing in a
`PoseFrame` measures gravity directly, so the body is used as the level, from two kinds of
moment (strongest first):

1. **Standing tall**: knees and hips straight, arms down. The ankle->shoulder line of a standing
   adult is vertical within a few degrees (quiet-standing sway is ~1-2 deg; Winter 1995, "Human
   balance and posture control during standing and walking").
2. **Lying still on the back** (crunches, sit-ups, bridges, leg raises at rest): the trunk's
   coronal plane (both shoulders, both hips) is parallel to the floor, with the heels a little
   below it, no hand or elbow well below it and the nose above it. The plane's normal is up. A
   plank fails the hand test, a crunch or bridge at the top the heel test, anything face down
   (prone lying, push-ups even on a bench) the nose test.

Otherwise the camera is taken to be level (up = -y) and the estimate says it is not known, so
callers can keep to image measures and a report can say the tilt is unknown.

Camera pitch beyond :data:`MAX_PITCH_DEG` and roll beyond :data:`MAX_ROLL_DEG` are refused. A
camera placed to film a whole person for this app (a laptop lid, a phone on a shelf or on the
floor) looks within ~30 deg of level, and beyond 45 deg the cues become ambiguous: a body lying
along the line of sight of a camera pitched down by more than 45 deg looks more upright to it
than a standing one. Roll is what a user sees at once in the preview (the room is askew) and
what a tripod, a desk or a shelf keeps small; a "standing" body rolled further in the picture
was, on the corpus, a straight-bodied incline push-up (36 deg), not a rolled camera.

Pitch and roll follow `spinesafe.lab.synthetic`: pitch + when the camera looks *down*, roll +
when it is turned clockwise about its optical axis as seen from behind it (the true vertical
then leans towards image-left). Pure numpy; the per-frame cost is a few dozen microseconds.
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import Joint, Landmark, Side, sided

LEVEL_UP = np.array([0.0, -1.0, 0.0])  # up in the coordinates of a level camera (y down)

# Refuse tilts beyond these (see the module docstring); a sample further from the camera's own
# vertical is not taken as evidence at all.
MAX_PITCH_DEG = 45.0
MAX_ROLL_DEG = 25.0
# Evidence needed before the estimate is trusted: half a second of standing or lying flat
# (15 frames at 30 fps), so that one lucky frame does not set it.
MIN_EVIDENCE_S = 0.5
# Frame gaps count at most this towards the evidence (a dropped stretch is not evidence).
MAX_FRAME_GAP_S = 0.1
# Samples kept per source: the last ~20 s of evidence at 30 fps. Old ones drop out, so a camera
# nudged mid-session is followed within a set.
MAX_SAMPLES = 600
REFRESH_EVERY = 10
MIN_VISIBILITY = 0.5

# Standing tall (source 1). MediaPipe's world model reads a straight standing knee at 150-180 deg
# (corpus frames with the trunk within 8 deg of vertical and the hip at 165 or more: the more bent
# knee 160 median, 148 at the 10th percentile; 160 here left 6 clips with standing moments without
# an estimate) and the trunk-thigh angle at 165-180; a mini squat bends the knee to 140 or less
# (exercises.py), a hip hinge starts to fold the hip below 160. Arms down (hip-shoulder-elbow): a
# wall push-up leans the straight body ~20 deg with the arms ~90 deg forward of the trunk; hanging
# arms are within ~15 deg, a bar on the back or dumbbells at the shoulders keep the elbows within
# ~50. (The wrists cannot be used: they are at the shoulders under a bar. MediaPipe tucked the
# elbows of incline push-ups to 60 deg on the corpus; those bodies lean 35 deg and more, beyond
# MAX_ROLL_DEG.)
STANDING_MIN_KNEE_DEG = 150.0
STANDING_MIN_HIP_DEG = 160.0
STANDING_MAX_ELBOW_DEG = 60.0
# Lying flat (source 2): the heel landmark (the back of the heel, on the floor) sits 5-10 cm
# below the trunk's coronal plane when lying on the back (the shoulder and hip joint centres are
# 5-10 cm above the floor), with bent knees or straight legs. Lifting the shoulders tilts the
# plane about the hips and puts the heels *above* it: +0.05 m at ~10 deg of a crunch, +0.2 m at
# 30 deg; a bridge's hips put them further above. Hands or elbows more than 0.15 m below the
# plane mean the body is propped on them (plank, push-up), not lying.
LYING_HEEL_BELOW_M = (-0.15, 0.05)  # heel height over the plane: lowest, highest
LYING_MAX_BELOW_M = 0.15
# Face up only: lying on the back the nose is 0.12-0.15 m above the shoulder and hip joint
# centres; face down (prone, and every push-up, even on a bench where the hands are not below
# the trunk) it is at or below them.
LYING_MIN_NOSE_ABOVE_M = 0.05
# Lying *still*: the trunk turned less than 3 deg in the last 0.25 s (12 deg/s). Crunches and
# sit-ups lift the trunk at 30-60 deg/s; frames on the way up would otherwise pass the heel
# test for the first ~10 deg of the lift and pull the estimate that way (by ~8 deg, measured
# on synthetic crunches). On the corpus a still body's trunk direction moves 0.4-1.2 deg over
# 8 frames (lower quartile; lying leg raise, bridge, standing curls).
STILL_WINDOW_S = 0.25
STILL_MAX_DEG = 3.0


class GravitySource(enum.Enum):
    """What the current estimate of up rests on."""

    STANDING = "standing"
    FLOOR = "floor"
    ASSUMED_LEVEL = "assumed level"


@dataclass(frozen=True)
class Gravity:
    """Up in the world-landmark (camera) frame, and how it is known.

    ``up`` is a unit (3,) vector; ``known`` is False when the camera is only assumed level.
    ``spread_deg`` is the median angle of the samples from ``up`` (how well they agree),
    ``evidence_s`` the seconds of frames behind it.
    """

    up: np.ndarray = field(default_factory=lambda: LEVEL_UP.copy())
    known: bool = False
    source: GravitySource = GravitySource.ASSUMED_LEVEL
    spread_deg: float = math.nan
    evidence_s: float = 0.0

    @property
    def pitch_deg(self) -> float:
        """Camera pitch, + looking down (0 for a level camera)."""
        return float(np.degrees(np.arcsin(np.clip(-self.up[2], -1.0, 1.0))))

    @property
    def roll_deg(self) -> float:
        """Camera roll, + turned clockwise seen from behind (the true vertical leans image-left)."""
        return float(np.degrees(np.arctan2(-self.up[0], -self.up[1])))

    @property
    def tilt_deg(self) -> float:
        """Angle between up and the camera's own vertical (-y)."""
        return float(np.degrees(np.arccos(np.clip(-self.up[1], -1.0, 1.0))))


ASSUMED_LEVEL = Gravity()
_SOURCES = (GravitySource.STANDING, GravitySource.FLOOR)  # strongest first
_STILL_MIN_COS = math.cos(math.radians(STILL_MAX_DEG))

_SHOULDERS = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]
_HIPS = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
_HEELS = [Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL]
_PROPS = [sided(j, s) for j in (Joint.WRIST, Joint.ELBOW) for s in Side]
# The standing test's angles, one row a side each, as (first, vertex, last, min_deg, max_deg):
# legs first (knee, then hip), then the arms.
_STANDING_ANGLES = [
    (sided(a, s), sided(b, s), sided(c, s), lo, hi)
    for a, b, c, lo, hi in (
        (Joint.HIP, Joint.KNEE, Joint.ANKLE, STANDING_MIN_KNEE_DEG, 180.0),
        (Joint.SHOULDER, Joint.HIP, Joint.KNEE, STANDING_MIN_HIP_DEG, 180.0),
        (Joint.HIP, Joint.SHOULDER, Joint.ELBOW, 0.0, STANDING_MAX_ELBOW_DEG),
    )
    for s in Side
]
_ANGLE_A, _ANGLE_B, _ANGLE_C = (np.array([row[k] for row in _STANDING_ANGLES]) for k in range(3))
_ANGLE_MIN, _ANGLE_MAX = (np.array([row[k] for row in _STANDING_ANGLES]) for k in (3, 4))
# An angle is judged when its three landmarks are seen (a leg is seen when its knee angle is).
_ANGLE_SEEN = np.stack([_ANGLE_A, _ANGLE_B, _ANGLE_C], axis=1)


def _plausible(up: np.ndarray) -> bool:
    """``up`` (unit) within the pitch and roll a camera for this app is placed at."""
    if up[1] >= 0.0:
        return False
    pitch = math.degrees(math.asin(min(1.0, abs(float(up[2])))))
    roll = math.degrees(math.atan2(abs(float(up[0])), -float(up[1])))
    return pitch <= MAX_PITCH_DEG and roll <= MAX_ROLL_DEG


def _trunk_seen(vis: np.ndarray) -> bool:
    """A shoulder and a hip seen (in a side view the far ones are hidden but still placed)."""
    return bool(vis[_SHOULDERS].max() >= MIN_VISIBILITY and vis[_HIPS].max() >= MIN_VISIBILITY)


def _angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angles ABC in degrees at ``b`` for (n, 3) points (NaN for a zero-length segment)."""
    u, v = a - b, c - b
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("ij,ij->i", u, v) / np.sqrt(np.einsum("ij,ij->i", u, u) * np.einsum("ij,ij->i", v, v))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of two (3,) vectors (np.cross costs ~10x more for one pair)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def standing_up(frame: PoseFrame) -> np.ndarray | None:
    """Unit ankle->shoulder direction when ``frame`` shows someone standing tall, else None.

    Standing tall: at least one leg seen; every knee and hip seen straight, every arm seen
    hanging; the axis within the plausible camera pitch and roll (:func:`_plausible`).
    """
    w, vis = frame.world, frame.visibility
    if w is None or not _trunk_seen(vis):
        return None
    # Both sides even when one is hidden (MediaPipe still places it): one side alone leans the
    # axis sideways by ~2 deg, the shoulders being wider than the ankles.
    axis = w[Landmark.LEFT_SHOULDER] + w[Landmark.RIGHT_SHOULDER] - w[Landmark.LEFT_ANKLE] - w[Landmark.RIGHT_ANKLE]
    norm = math.sqrt(float(axis @ axis))
    if not norm > 0.0 or not _plausible(axis / norm):
        return None
    seen = vis[_ANGLE_SEEN].min(axis=1) >= MIN_VISIBILITY
    if not seen[:2].any():  # no leg seen
        return None
    angles = _angle_deg(w[_ANGLE_A], w[_ANGLE_B], w[_ANGLE_C])
    ok = (angles >= _ANGLE_MIN) & (angles <= _ANGLE_MAX)
    return axis / norm if bool(np.all(ok | ~seen)) else None


def floor_up(frame: PoseFrame) -> np.ndarray | None:
    """Unit normal of the trunk's coronal plane when ``frame`` shows someone lying flat, else None.

    Lying flat: shoulders and hips seen, the heels that are seen within
    :data:`LYING_HEEL_BELOW_M` of the plane, no wrist or elbow more than
    :data:`LYING_MAX_BELOW_M` below it, the nose above it (face up), and the normal within the
    plausible camera pitch and roll (so a standing trunk, whose coronal normal is horizontal,
    never counts).
    """
    w, vis = frame.world, frame.visibility
    if w is None or not _trunk_seen(vis):
        return None
    ls, rs, lh, rh = w[Landmark.LEFT_SHOULDER], w[Landmark.RIGHT_SHOULDER], w[Landmark.LEFT_HIP], w[Landmark.RIGHT_HIP]
    along = ls + rs - lh - rh
    if along[1] < 0.0 and along[1] ** 2 >= 0.5 * float(along @ along):
        return None  # the trunk within 45 deg of the camera's vertical: not lying under any plausible tilt
    across = rs - ls + rh - lh
    normal = _cross(along, across)
    norm = math.sqrt(float(normal @ normal))
    if not norm > 0.0:
        return None
    normal /= norm
    if normal[1] > 0.0:  # the side towards the camera's up: tilts are within 90 deg
        normal = -normal
    if not _plausible(normal):
        return None
    centre = (ls + rs + lh + rh) / 4.0
    if float((w[Landmark.NOSE] - centre) @ normal) < LYING_MIN_NOSE_ABOVE_M:
        return None
    heels_seen = vis[_HEELS] >= MIN_VISIBILITY
    heels = (w[_HEELS] - centre) @ normal
    low, high = LYING_HEEL_BELOW_M
    if not heels_seen.any() or np.any((heels[heels_seen] < low) | (heels[heels_seen] > high)):
        return None
    props_seen = vis[_PROPS] >= MIN_VISIBILITY
    if np.any(((w[_PROPS] - centre) @ normal)[props_seen] < -LYING_MAX_BELOW_M):
        return None
    return normal


class GravityEstimator:
    """Estimates up in the camera frame from the frames seen so far; call :meth:`update` every frame.

    The camera is assumed to stay put: samples of each source are pooled (the last
    :data:`MAX_SAMPLES`), and the estimate is their component-wise median, normalised, so a few
    frames that pass a test by accident do not move it. Standing evidence wins over floor
    evidence once there is :data:`MIN_EVIDENCE_S` of it.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # One ring buffer of samples per source; the estimate is refreshed as samples arrive.
        self._samples = {source: np.zeros((MAX_SAMPLES, 3)) for source in _SOURCES}
        self._count = dict.fromkeys(_SOURCES, 0)
        self._evidence_s = dict.fromkeys(_SOURCES, 0.0)
        self._last_t = math.nan
        self._trunks: deque[tuple[float, np.ndarray]] = deque()
        self.estimate: Gravity = ASSUMED_LEVEL

    def update(self, frame: PoseFrame) -> Gravity:
        """Take one frame's evidence (if any) and return the current estimate."""
        dt = frame.t_s - self._last_t if math.isfinite(self._last_t) else 0.0
        self._last_t = frame.t_s
        if not frame.present or frame.world is None:
            return self.estimate
        sample = standing_up(frame)
        source = GravitySource.STANDING
        if sample is None and self._trunk_still(frame.t_s, frame.world):
            sample, source = floor_up(frame), GravitySource.FLOOR
        if sample is None:
            return self.estimate
        n = self._count[source]
        self._samples[source][n % MAX_SAMPLES] = sample
        self._count[source] = n + 1
        self._evidence_s[source] += min(max(dt, 0.0), MAX_FRAME_GAP_S)
        # The median over hundreds of samples hardly moves with one more: refresh it on every
        # sample while few, then every REFRESH_EVERY samples (the cost stays ~10 us a frame).
        if n < REFRESH_EVERY or n % REFRESH_EVERY == 0 or not self.estimate.known:
            self.estimate = self._estimate()
        return self.estimate

    def _trunk_still(self, t_s: float, world: np.ndarray) -> bool:
        """Whether the trunk has turned less than :data:`STILL_MAX_DEG` over the last
        :data:`STILL_WINDOW_S` (needs that much history)."""
        trunk = world[Landmark.LEFT_SHOULDER] + world[Landmark.RIGHT_SHOULDER] - world[Landmark.LEFT_HIP]
        trunk = trunk - world[Landmark.RIGHT_HIP]
        norm = math.sqrt(float(trunk @ trunk))
        if not norm > 0.0:
            return False
        trunks = self._trunks
        trunks.append((t_s, trunk / norm))
        while len(trunks) > 1 and trunks[1][0] <= t_s - STILL_WINDOW_S:
            trunks.popleft()
        t0, first = trunks[0]
        return t_s - t0 >= STILL_WINDOW_S * 0.9 and float(first @ trunks[-1][1]) >= _STILL_MIN_COS

    def _estimate(self) -> Gravity:
        for source in _SOURCES:
            if self._evidence_s[source] < MIN_EVIDENCE_S:
                continue
            samples = self._samples[source][: min(self._count[source], MAX_SAMPLES)]
            up = np.median(samples, axis=0)
            up /= np.linalg.norm(up)
            spread = float(np.degrees(np.median(np.arccos(np.clip(samples @ up, -1.0, 1.0)))))
            return Gravity(up=up, known=True, source=source, spread_deg=spread, evidence_s=self._evidence_s[source])
        return ASSUMED_LEVEL
