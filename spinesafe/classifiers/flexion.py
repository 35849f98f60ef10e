"""Spinal-flexion monitor: flags forward rounding of the back, not a hip hinge.

BlazePose has no spine landmarks, so rounding is inferred from a proxy (DESIGN.md, safety
rules) compared with the person's own neutral:

- **neck curl**: the ear drops ahead of the hip->shoulder line when the upper back rounds
  (shoulders roll forward, head goes down). A hip hinge with a neutral spine tilts the whole
  trunk-neck line together and leaves this angle unchanged, which is what separates the two.
- **hip fold with straight knees**: with the knees (nearly) straight the hamstrings stop hip
  flexion at about 90 deg (a straight-leg raise reaches 80-90 deg in healthy adults and less
  with age: Youdas et al. 2005; Magee, Orthopedic Physical Assessment), so the trunk cannot
  come closer than ~90 deg to the thigh by the hips alone. Any further closing of the
  trunk-thigh angle is the spine rounding - a standing toe touch or a long-sitting reach for
  the toes. It needs no head landmarks, so it also works with the head below the hips.
- **torso shortening** (recorded with the neutral, not used to judge): the shoulder-to-hip
  distance in world metres should shrink when the spine curls, but measured on the corpus
  MediaPipe shrinks it as much in a straight-back deadlift (0.48 -> 0.41 m) as in a rounded one,
  so it cannot separate them.

Neutral comes from a calibration ("stand tall for three seconds"); without one, the monitor
learns it from the first upright, steady frames and the report says calibration was not done.
Judgements need a side or oblique view; from the front the forward rounding is mostly depth,
which a single camera sees poorly, so the monitor says the view is unsuitable instead.

Rules from Too Fit To Fracture (Giangregorio 2014) "spine sparing": avoid end-range,
repetitive or loaded spinal flexion; and Sinaki & Mikkelsen 1984 (flexion exercise and
vertebral fractures).
"""

from __future__ import annotations

import enum
import math
from collections import Counter, deque
from dataclasses import dataclass

from spinesafe.classifiers.events import (
    Event,
    FlexionEnded,
    FlexionEscalated,
    FlexionStarted,
    Severity,
    ViewUnsuitable,
)
from spinesafe.classifiers.features import MIN_VISIBILITY, FrameFeatures, View
from spinesafe.classifiers.signals import MedianFilter

# Upright = trunk within this of vertical; neutral is learnt from such frames.
UPRIGHT_MAX_INCLINATION_DEG = 15.0
# Typical neutral neck curl of an adult standing tall, measured on the corpus' standing
# frames (median ~15-20 deg); used until calibration or learning gives the person's own.
DEFAULT_NEUTRAL_CURL_DEG = 18.0
NEUTRAL_LEARN_S = 1.0  # seconds of standing-tall frames needed to learn a neutral
# A standing adult's own neutral lies around the typical 15-20 deg; forward head posture and the
# thoracic hyperkyphosis common in osteoporosis add up to ~30 deg (Kado 2007 kyphosis angles of
# older women exceed young adults' by 10-20 deg). Outside this band the landmarks are not showing a
# head on a neck (a barbell's plates in front of the head were learnt as -146 deg): the neutral is
# refused and the default kept. Nearest real neutrals: 4 deg (a man at home, head up) and 35.
PLAUSIBLE_NEUTRAL_CURL_DEG = (-20.0, 50.0)
# No neck bends the head 110 deg onto the trunk (cervical flexion 45-60 deg plus the upper
# thoracic spine's 30-40: Magee); a larger reading is a misplaced landmark, not a posture. The
# largest real rounding in the corpus reads ~80 deg (a standing toe touch).
MAX_PLAUSIBLE_CURL_DEG = 110.0
# Standing tall for learning the neutral: the hips open (a seated trunk or the top of a sit-up is
# also upright, with the hips at 60-100 deg and the spine curled).
STANDING_MIN_HIP_DEG = 160.0
VIEW_WINDOW_S = 1.0
# The back unjudged this long in all, in postures where it matters (head or hips hidden): say so once.
UNSEEN_WARN_S = 2.0
# Beyond this the hips are above the shoulders (bridge, inverted): the head rests on the floor
# and the neck angle says nothing about the back. Sit-ups and crunches stay below it.
MAX_JUDGED_INCLINATION_DEG = 100.0
# Below this the trunk is upright: a forward ear then means looking down (a nod of the neck),
# not the loaded or end-range flexion the guidelines warn about; measured on the corpus it was
# the main source of false alarms (standing at a rack looking at the bar).
MIN_JUDGED_INCLINATION_DEG = 15.0
FORWARD_MIN_JUDGED_INCLINATION_DEG = 30.0
# Lying on the back (trunk facing up) the head rests on the floor or a pillow and a neck curl is
# not spinal flexion; a curl-up lifts the shoulder blades, bringing the trunk at least ~15-20 deg
# off the floor (crunch: head and shoulders raised, McGill 2007). Face-up, the neck curl is read
# only with the trunk at most 75 deg from vertical. Corpus: curl-ups peak at 37-71 deg, a man
# lying flat between bridges reads 95-97 (margins 4 and 20 deg).
SUPINE_MAX_JUDGED_INCLINATION_DEG = 75.0
# A plank (push-up, face down, near horizontal, the hips open in one line with the trunk) is held
# at both ends by the hands and feet; a dropped head there bends the neck, not the back. A hinge
# or a bent-over lift closes the hips (trunk-thigh 60-130 deg at the bottom), a plank keeps them
# at 160-180. Face-down with the trunk beyond 60 deg from vertical and the hip at or over 150 deg
# is a plank: the neck curl is not read.
PLANK_MIN_INCLINATION_DEG = 60.0
PLANK_MIN_HIP_DEG = 150.0
# Face up with a straight-armed hand below the hips (a crab, a reverse table-top, sitting back on
# the hands) the arms carry the upper body and the trunk is not curled up against gravity: the
# neck curl is a head held forward. A curl-up cannot put a hand below the hips, which rest on the
# floor. Corpus: a crab reach props a hand 0.15-0.9 trunk lengths below the hips in 3/4 of its
# frames; in no frame of the sit-ups, crunches or the Russian twist is a straight arm below the hips.
PROPPED_MIN_HAND_BELOW_HIPS = 0.1
# A posture ruled out stays ruled out while it lasts: a hand lifted from the floor for a reach or a
# shift of grip leaves the trunk where the arms held it, and the head where it was. After a propped
# frame, the neck curl is not read while the trunk stays face up and the curl stays within this of
# its propped value; a new rounding (half the 20 deg caution line or more) is read at once. Corpus:
# a crab reach lifting one hand read 75-78 deg against 72-76 propped (two false "stop" alarms of
# 0.5-0.6 s); the curl-ups start lying back, never propped.
PROPPED_SAME_CURL_DEG = 10.0
# Hip-fold proxy (see the module docstring): the trunk-thigh angle the hips alone can reach with
# straight knees, and the knee angle counted as "nearly straight" (MediaPipe reads a straight
# knee as 145-180 deg in a deep fold; at 40 deg of knee flexion the hamstrings still limit the
# hip). The excess closing beyond the limit is taken as spinal flexion in degrees.
HAMSTRING_LIMIT_TRUNK_THIGH_DEG = 90.0
STRAIGHT_KNEE_MIN_DEG = 140.0


class CurlGate(enum.Enum):
    """Whether the neck-curl proxy is read on a frame, and why not."""

    READ = "read"
    UPRIGHT = "upright"  # trunk near vertical: a forward head is a nod
    LYING_BACK = "lying on the back"  # face up, shoulders on the floor
    PROPPED = "propped on the hands"  # face up, a straight arm below the hips carries the trunk
    PLANK = "plank"  # face down, horizontal, hips open
    INVERTED = "hips above shoulders"
    HEAD_NOT_SEEN = "head not seen"  # ear, shoulder or hip below the visibility bar, or facing unknown
    IMPLAUSIBLE = "landmarks implausible"  # a curl no neck can make

    @property
    def posture_rules_out(self) -> bool:
        """The posture itself says the back is not rounding (the frame counts as judged)."""
        return self in (CurlGate.UPRIGHT, CurlGate.LYING_BACK, CurlGate.PROPPED, CurlGate.PLANK, CurlGate.INVERTED)


def neck_curl_gate(features: FrameFeatures) -> CurlGate:
    """Whether the neck curl of ``features`` says something about the back (see the constants)."""
    inclination = features.trunk_inclination_deg
    if not math.isfinite(inclination) or inclination < MIN_JUDGED_INCLINATION_DEG:
        return CurlGate.UPRIGHT
    if inclination > MAX_JUDGED_INCLINATION_DEG:
        return CurlGate.INVERTED
    face_up = features.trunk_lean_deg < 0  # trunk tilted away from where the person faces
    if not face_up and inclination < FORWARD_MIN_JUDGED_INCLINATION_DEG:
        return CurlGate.UPRIGHT
    if face_up and inclination > SUPINE_MAX_JUDGED_INCLINATION_DEG:
        return CurlGate.LYING_BACK
    if face_up and features.hand_below_hips >= PROPPED_MIN_HAND_BELOW_HIPS:
        return CurlGate.PROPPED
    hip = features.angle("hip")
    if not face_up and inclination >= PLANK_MIN_INCLINATION_DEG and hip >= PLANK_MIN_HIP_DEG:
        return CurlGate.PLANK
    if features.neck_visibility < MIN_VISIBILITY or not math.isfinite(features.neck_curl_deg):
        return CurlGate.HEAD_NOT_SEEN
    if abs(features.neck_curl_deg) > MAX_PLAUSIBLE_CURL_DEG:
        return CurlGate.IMPLAUSIBLE
    return CurlGate.READ


def plausible_neutral(neck_curl_deg: float) -> bool:
    low, high = PLAUSIBLE_NEUTRAL_CURL_DEG
    return low <= neck_curl_deg <= high


@dataclass(frozen=True)
class FlexionConfig:
    """Thresholds of the monitor (per exercise, overridable per patient).

    ``caution_deg``: rounding beyond neutral that starts an event; the event ends below
    ``caution_deg - hysteresis_deg``. ``stop_deg``: peak at which the severity becomes STOP.
    ``min_duration_s``: shorter excursions are landmark noise, not a posture. An event started
    at caution that grows past ``stop_deg`` is escalated once (:class:`FlexionEscalated`).
    """

    caution_deg: float = 20.0
    stop_deg: float = 35.0
    hysteresis_deg: float = 6.0
    min_duration_s: float = 0.3

    def __post_init__(self) -> None:
        if not 0 < self.hysteresis_deg < self.caution_deg < self.stop_deg <= 90:
            raise ValueError(
                "flexion thresholds must satisfy 0 < hysteresis_deg < caution_deg < stop_deg <= 90, "
                f"got {self.hysteresis_deg}, {self.caution_deg}, {self.stop_deg}"
            )
        if self.min_duration_s < 0:
            raise ValueError(f"min_duration_s must be >= 0, got {self.min_duration_s}")


class FlexionState(enum.Enum):
    NEUTRAL = "neutral"
    PENDING = "pending"  # over threshold, not yet for min_duration_s
    FLEXED = "flexed"


@dataclass(frozen=True)
class Neutral:
    """A person's neutral posture. ``calibrated`` is False when defaulted or learnt on the fly."""

    neck_curl_deg: float
    torso_length_m: float
    calibrated: bool


SUITABLE_VIEWS = (View.SIDE, View.OBLIQUE)


class FlexionMonitor:
    """Per-frame flexion estimate and flexion events with hysteresis and a minimum duration."""

    def __init__(self, config: FlexionConfig | None = None, neutral: Neutral | None = None) -> None:
        self.config = config or FlexionConfig()
        self._given_neutral = neutral
        self._curl = MedianFilter(0.2)
        self._fold = MedianFilter(0.2)
        self.reset()

    def reset(self) -> None:
        given = self._given_neutral
        self.neutral_note = ""
        if given is not None and not plausible_neutral(given.neck_curl_deg):
            self.neutral_note = (
                f"the calibrated neutral ({given.neck_curl_deg:.0f} deg) is not a standing adult's; "
                "the typical neutral was used"
            )
            given = None
        self.neutral = given or Neutral(DEFAULT_NEUTRAL_CURL_DEG, math.nan, calibrated=False)
        self._learning: list[tuple[float, float, float]] = []
        self._learnt = given is not None
        self._curl.reset()
        self._fold.reset()
        self._proxies: set[str] = set()
        self._visibility = 1.0
        self.state = FlexionState.NEUTRAL
        self.flexion_deg = 0.0
        self.gate = CurlGate.UPRIGHT
        self._propped_curl = math.nan  # the neck curl of the last propped frame, while that posture lasts
        self._start_s = 0.0
        self._peak_deg = 0.0
        self._peak_s = 0.0
        self._stop_s: float | None = None  # when this episode first reached stop_deg
        self._stop_said = False  # the episode's stop severity has been announced
        self._view = View.UNKNOWN
        self._warned_view = False
        self._warned_unseen = False
        self._unseen_s = 0.0  # time the back went unjudged in postures where it matters
        self._unseen_t = 0.0
        self._recent_views: deque[tuple[float, View]] = deque()
        self._last_t = 0.0
        # Present frames per view, and those on which the back was judged (a proxy was read, or
        # the posture itself rules rounding out): "back judged in 72% of the set".
        self.frames_by_view: Counter[str] = Counter()
        self.judged_by_view: Counter[str] = Counter()

    def adopt_neutral(self, neutral: Neutral) -> None:
        """A calibration finished while the monitor runs: judge against ``neutral`` from the next
        frame on, and after a reset. An implausible one is refused as a given one is (:meth:`reset`)."""
        if not plausible_neutral(neutral.neck_curl_deg):
            self.neutral_note = (
                f"the calibrated neutral ({neutral.neck_curl_deg:.0f} deg) is not a standing adult's; "
                "the one in use was kept"
            )
            return
        self._given_neutral = self.neutral = neutral
        self._learnt, self.neutral_note = True, ""

    def update(self, features: FrameFeatures) -> list[Event]:
        t = features.t_s
        self._last_t = t
        events: list[Event] = []
        if not features.present:
            self.flexion_deg = math.nan
            return self._leave(t, events)
        view = self._steady_view(features)
        self.frames_by_view[view.value] += 1
        if view not in SUITABLE_VIEWS:
            self.flexion_deg = math.nan
            if view is View.FRONT and not self._warned_view:
                self._warned_view = True
                events.append(
                    ViewUnsuitable(
                        t,
                        view=view.value,
                        judgement="spinal flexion",
                        advice="Turn sideways to the camera so your back can be checked.",
                    )
                )
            return self._leave(t, events)
        self._learn(features)
        # The neck curl says something only in some postures (neck_curl_gate); the hip fold holds
        # at any inclination (a toe touch puts the head below the hips).
        self.gate = gate = self._still_propped(features, neck_curl_gate(features))
        curl = self._curl.update(t, features.neck_curl_deg) if gate is CurlGate.READ else math.nan
        by_curl = curl - self.neutral.neck_curl_deg if math.isfinite(curl) else math.nan
        by_fold = self._fold.update(t, hip_fold_flexion_deg(features))
        flexion = max((v for v in (by_curl, by_fold) if math.isfinite(v)), default=math.nan)
        self.flexion_deg = flexion
        # The hip fold only sees folding past the hamstrings' limit; where the posture calls for the
        # neck curl and it cannot be read, the upper back is not judged.
        judged = math.isfinite(by_curl) or gate.posture_rules_out
        if judged:
            self.judged_by_view[view.value] += 1
        events += self._say_when_unseen(t, view, gate, judged)
        if not math.isfinite(flexion):
            if gate is CurlGate.READ:  # a landmark missing for a frame: keep the state
                return events
            return self._leave(t, events)
        crossing = tuple(
            name for name, v in (("neck_curl", by_curl), ("hip_fold", by_fold)) if v >= self.config.caution_deg
        )
        cfg = self.config
        if self.state is FlexionState.NEUTRAL:
            if flexion >= cfg.caution_deg:
                self.state = FlexionState.PENDING
                self._start_s, self._peak_deg, self._peak_s = t, flexion, t
                self._stop_s = t if flexion >= cfg.stop_deg else None
                self._stop_said = False
                self._view = view
                self._proxies = set(crossing)
                self._visibility = features.neck_visibility if by_curl >= cfg.caution_deg else features.visibility
        else:
            if flexion > self._peak_deg:
                self._peak_deg, self._peak_s = flexion, t
            if self._stop_s is None and flexion >= cfg.stop_deg:
                self._stop_s = t
            self._proxies.update(crossing)
            seen = features.neck_visibility if by_curl >= cfg.caution_deg else features.visibility
            self._visibility = min(self._visibility, seen)
            if flexion < cfg.caution_deg - cfg.hysteresis_deg:
                return self._leave(t, events)
            if self.state is FlexionState.PENDING and t - self._start_s >= cfg.min_duration_s:
                self.state = FlexionState.FLEXED
                severity = self._severity(self._peak_deg)
                self._stop_said = severity is Severity.STOP
                events.append(FlexionStarted(t, severity=severity, flexion_deg=flexion, view=self._view.value))
            elif self.state is FlexionState.FLEXED and not self._stop_said and self._stop_s is not None:
                # Rounding that grows gradually: the caution cue was given, now the stop one is due.
                self._stop_said = True
                events.append(FlexionEscalated(t, start_s=self._start_s, flexion_deg=flexion, view=self._view.value))
        return events

    def _still_propped(self, features: FrameFeatures, gate: CurlGate) -> CurlGate:
        """``gate``, or PROPPED while the posture of the last propped frame lasts (:data:`PROPPED_SAME_CURL_DEG`)."""
        curl = features.neck_curl_deg
        if gate is CurlGate.PROPPED:
            self._propped_curl = curl
            return gate
        same = abs(curl - self._propped_curl) <= PROPPED_SAME_CURL_DEG  # False for NaN
        if gate is CurlGate.READ and same and features.trunk_lean_deg < 0:
            return CurlGate.PROPPED
        self._propped_curl = math.nan
        return gate

    @property
    def open_peak_s(self) -> float:
        """When the rounding under way (pending or flexed) peaked so far; NaN when the back is neutral.
        The peak of the :class:`FlexionEnded` that closes it is the last value this takes."""
        return math.nan if self.state is FlexionState.NEUTRAL else self._peak_s

    @property
    def judged_fraction(self) -> float:
        """Share of the present frames on which the back was judged (NaN before any)."""
        total = sum(self.frames_by_view.values())
        return sum(self.judged_by_view.values()) / total if total else math.nan

    def _say_when_unseen(self, t: float, view: View, gate: CurlGate, judged: bool) -> list[Event]:
        """Once per session: the back has gone unjudged for UNSEEN_WARN_S in all, in postures where
        it matters (bending forward with the head or hips hidden)."""
        dt, self._unseen_t = t - self._unseen_t, t
        if judged or gate not in (CurlGate.HEAD_NOT_SEEN, CurlGate.IMPLAUSIBLE):
            return []
        self._unseen_s += min(dt, VIEW_WINDOW_S)  # a gap in tracking is not unseen time
        if self._warned_unseen or self._unseen_s < UNSEEN_WARN_S:
            return []
        self._warned_unseen = True
        return [
            ViewUnsuitable(
                t,
                view=view.value,
                judgement="spinal flexion",
                advice="Cannot check your back here: keep your head and hips in the picture.",
            )
        ]

    def finish(self) -> list[Event]:
        """End of the source: close an open event."""
        events: list[Event] = []
        if self.state is FlexionState.FLEXED:
            self._close(self._last_t, events)
        self.state = FlexionState.NEUTRAL
        return events

    # -- helpers -------------------------------------------------------------------------
    def _severity(self, peak_deg: float) -> Severity:
        return Severity.STOP if peak_deg >= self.config.stop_deg else Severity.CAUTION

    def _leave(self, t: float, events: list[Event]) -> list[Event]:
        """Back to neutral: an event under way ends at ``t``, one still pending is dropped."""
        return self._close(t, events) if self.state is FlexionState.FLEXED else self._drop(events)

    def _drop(self, events: list[Event]) -> list[Event]:
        self.state = FlexionState.NEUTRAL
        return events

    def _close(self, t: float, events: list[Event]) -> list[Event]:
        events.append(
            FlexionEnded(
                t,
                start_s=self._start_s,
                end_s=t,
                peak_deg=self._peak_deg,
                peak_s=self._peak_s,
                severity=self._severity(self._peak_deg),
                view=self._view.value,
                proxies=tuple(sorted(self._proxies)),
                visibility=round(self._visibility, 2),
                stop_s=self._stop_s,
            )
        )
        self.state = FlexionState.NEUTRAL
        return events

    def _steady_view(self, features: FrameFeatures) -> View:
        """The most common view of the last second: one frame's view flickers with noise."""
        views = self._recent_views
        views.append((features.t_s, features.view))
        while views[0][0] < features.t_s - VIEW_WINDOW_S:
            views.popleft()
        return Counter(v for _, v in views).most_common(1)[0][0]

    def _learn(self, features: FrameFeatures) -> None:
        """Learn neutral from the first second of standing-tall frames when not calibrated."""
        if self._learnt:
            return
        standing = (
            features.trunk_inclination_deg <= UPRIGHT_MAX_INCLINATION_DEG
            and features.angle("hip") >= STANDING_MIN_HIP_DEG
            and features.neck_visibility >= MIN_VISIBILITY
        )
        if standing and math.isfinite(features.neck_curl_deg):
            self._learning.append((features.t_s, features.neck_curl_deg, features.torso_length_m))
            if self._learning[-1][0] - self._learning[0][0] >= NEUTRAL_LEARN_S:
                curls = sorted(c for _, c, _ in self._learning)
                torsos = sorted(x for _, _, x in self._learning if math.isfinite(x))
                curl = curls[len(curls) // 2]
                self._learnt = True
                if not plausible_neutral(curl):
                    self.neutral_note = (
                        f"the neutral seen ({curl:.0f} deg) is not a standing adult's; the typical neutral was used"
                    )
                    return
                self.neutral = Neutral(
                    neck_curl_deg=curl,
                    torso_length_m=torsos[len(torsos) // 2] if torsos else math.nan,
                    calibrated=False,
                )


def hip_fold_flexion_deg(features: FrameFeatures) -> float:
    """Spinal flexion implied by the trunk closing on a straight-kneed thigh beyond what the
    hamstrings allow the hips; 0 within the limit, NaN when no side has a straight knee seen."""
    excess = [
        HAMSTRING_LIMIT_TRUNK_THIGH_DEG - features.angle(f"hip_{side}")
        for side in ("left", "right")
        if features.angle(f"knee_{side}") >= STRAIGHT_KNEE_MIN_DEG and math.isfinite(features.angle(f"hip_{side}"))
    ]
    return max(0.0, *excess) if excess else math.nan
