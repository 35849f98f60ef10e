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

from spinesafe.classifiers.events import Event, FlexionEnded, FlexionStarted, Severity, ViewUnsuitable
from spinesafe.classifiers.features import FrameFeatures, View
from spinesafe.classifiers.signals import MedianFilter

# Upright = trunk within this of vertical; neutral is learnt from such frames.
UPRIGHT_MAX_INCLINATION_DEG = 15.0
# Typical neutral neck curl of an adult standing tall, measured on the corpus' standing
# frames (median ~15-20 deg); used until calibration or learning gives the person's own.
DEFAULT_NEUTRAL_CURL_DEG = 18.0
NEUTRAL_LEARN_S = 1.0  # seconds of upright frames needed to learn a neutral
VIEW_WINDOW_S = 1.0
# Beyond this the hips are above the shoulders (bridge, inverted): the head rests on the floor
# and the neck angle says nothing about the back. Sit-ups and crunches stay below it.
MAX_JUDGED_INCLINATION_DEG = 100.0
# Below this the trunk is upright: a forward ear then means looking down (a nod of the neck),
# not the loaded or end-range flexion the guidelines warn about; measured on the corpus it was
# the main source of false alarms (standing at a rack looking at the bar).
MIN_JUDGED_INCLINATION_DEG = 15.0
# Hip-fold proxy (see the module docstring): the trunk-thigh angle the hips alone can reach with
# straight knees, and the knee angle counted as "nearly straight" (MediaPipe reads a straight
# knee as 145-180 deg in a deep fold; at 40 deg of knee flexion the hamstrings still limit the
# hip). The excess closing beyond the limit is taken as spinal flexion in degrees.
HAMSTRING_LIMIT_TRUNK_THIGH_DEG = 90.0
STRAIGHT_KNEE_MIN_DEG = 140.0


@dataclass(frozen=True)
class FlexionConfig:
    """Thresholds of the monitor (per exercise, overridable per patient).

    ``caution_deg``: rounding beyond neutral that starts an event; the event ends below
    ``caution_deg - hysteresis_deg``. ``stop_deg``: peak at which the severity becomes STOP.
    ``min_duration_s``: shorter excursions are landmark noise, not a posture.
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
        self.neutral = self._given_neutral or Neutral(DEFAULT_NEUTRAL_CURL_DEG, math.nan, calibrated=False)
        self._learning: list[tuple[float, float, float]] = []
        self._learnt = self._given_neutral is not None
        self._curl.reset()
        self._fold.reset()
        self._proxies: set[str] = set()
        self.state = FlexionState.NEUTRAL
        self.flexion_deg = 0.0
        self._start_s = 0.0
        self._peak_deg = 0.0
        self._peak_s = 0.0
        self._view = View.UNKNOWN
        self._warned_view = False
        self._recent_views: deque[tuple[float, View]] = deque()
        self._last_t = 0.0

    def update(self, features: FrameFeatures) -> list[Event]:
        t = features.t_s
        self._last_t = t
        events: list[Event] = []
        if not features.present:
            self.flexion_deg = math.nan
            return self._leave(t, events)
        view = self._steady_view(features)
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
        # The neck curl says something only with the trunk between upright and horizontal; the
        # hip fold holds at any inclination (a toe touch puts the head below the hips).
        judged = MIN_JUDGED_INCLINATION_DEG <= features.trunk_inclination_deg <= MAX_JUDGED_INCLINATION_DEG
        curl = self._curl.update(t, features.neck_curl_deg) if judged else math.nan
        by_curl = curl - self.neutral.neck_curl_deg if math.isfinite(curl) else math.nan
        by_fold = self._fold.update(t, hip_fold_flexion_deg(features))
        flexion = max((v for v in (by_curl, by_fold) if math.isfinite(v)), default=math.nan)
        self.flexion_deg = flexion
        if not math.isfinite(flexion):
            if judged:  # a landmark missing for a frame: keep the state
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
                self._view = view
                self._proxies = set(crossing)
        else:
            if flexion > self._peak_deg:
                self._peak_deg, self._peak_s = flexion, t
            self._proxies.update(crossing)
            if flexion < cfg.caution_deg - cfg.hysteresis_deg:
                return self._leave(t, events)
            if self.state is FlexionState.PENDING and t - self._start_s >= cfg.min_duration_s:
                self.state = FlexionState.FLEXED
                events.append(
                    FlexionStarted(
                        t, severity=self._severity(self._peak_deg), flexion_deg=flexion, view=self._view.value
                    )
                )
        return events

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
        """Learn neutral from the first second of upright frames when not calibrated."""
        if self._learnt:
            return
        if features.trunk_inclination_deg <= UPRIGHT_MAX_INCLINATION_DEG and math.isfinite(features.neck_curl_deg):
            self._learning.append((features.t_s, features.neck_curl_deg, features.torso_length_m))
            if self._learning[-1][0] - self._learning[0][0] >= NEUTRAL_LEARN_S:
                curls = sorted(c for _, c, _ in self._learning)
                torsos = sorted(x for _, _, x in self._learning if math.isfinite(x))
                self.neutral = Neutral(
                    neck_curl_deg=curls[len(curls) // 2],
                    torso_length_m=torsos[len(torsos) // 2] if torsos else math.nan,
                    calibrated=False,
                )
                self._learnt = True


def hip_fold_flexion_deg(features: FrameFeatures) -> float:
    """Spinal flexion implied by the trunk closing on a straight-kneed thigh beyond what the
    hamstrings allow the hips; 0 within the limit, NaN when no side has a straight knee seen."""
    excess = [
        HAMSTRING_LIMIT_TRUNK_THIGH_DEG - features.angle(f"hip_{side}")
        for side in ("left", "right")
        if features.angle(f"knee_{side}") >= STRAIGHT_KNEE_MIN_DEG and math.isfinite(features.angle(f"hip_{side}"))
    ]
    return max(0.0, *excess) if excess else math.nan
