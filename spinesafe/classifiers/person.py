"""The patient, not the passer-by: notice when the body in the picture is someone else's.

The bundled pose model follows one person. When a carer or a grandchild walks through the
picture it may jump to them, and their movement would then be counted as the patient's reps or
judged as the patient's back. A camera cannot say who someone is, but it can see that the body it
follows suddenly has another size or is somewhere else (:class:`~spinesafe.pose.people.Body`):
nobody grows by 40% or moves half their height within a blink.

:class:`PersonWatch` keeps the body of the person being coached (the one the neutral posture was
calibrated on, :meth:`PersonWatch.calibrated_on`, else the first one seen) as a reference that
follows them as they move, and tells, frame by frame, whether the body seen is still theirs. A body
unlike the reference is held back from the classifiers at once (so its movement is never half of a
rep), and after :data:`CONFIRM_S` of it the watch says someone else is in the picture
(:class:`PersonChanged`): counting is paused until the patient's body is back for :data:`RETURN_S`
(:class:`PersonChangeEnded`). Someone else alone in the picture for :data:`ADOPT_AFTER_S` becomes
the person coached (the patient may have come back much nearer or further away, and a session
must not stay paused for good).

What it cannot tell: an adult of the same size standing where the patient stood.
"""

from __future__ import annotations

import enum
import math
import statistics
from collections import deque

from spinesafe.classifiers.events import Event, PersonChanged, PersonChangeEnded
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.people import Body, body_of

# The patient's body is the median of their last quarter second: it drops the 1-3 frame flickers of
# the stature estimate (a limb's visibility toggling) and lags a moving body by only ~0.1 s.
REFERENCE_WINDOW_S = 0.25
# A body this many times larger or smaller than the patient's is someone else. The stature estimate
# grows or shrinks gradually with perspective (a deep squat before a low camera: 1.6x in 0.6 s in
# the corpus), which the reference follows; frame to frame it wavers by up to ~1.6x for a frame or
# two (a barbell squat, 99th percentile 1.37), which the median and CONFIRM_S absorb. A child beside
# an adult, or a carer passing between the patient and the camera, looks >= 1.5x smaller or larger.
SIZE_RATIO = 1.4
# The torso's centre moving more than this many statures from the patient's recent place is someone
# else. Frame to frame the corpus's largest move is 0.08 stature outside a camera pan, walking
# across the picture (a Timed Up and Go) ~0.04: a margin over 5x. A second person is usually
# beside the patient, a shoulder width (~0.25 stature) plus their own half width away or more.
SHIFT_STATURES = 0.5
# While nobody (or someone else) is seen, the patient may walk: allow them 1 stature per second
# (a brisk 1.5 m/s walk for a 1.6 m person) beyond SHIFT_STATURES when they come back.
WALK_STATURES_PER_S = 1.0
# Unlike frames for this long before someone else is announced: longer than the flicker of a limb's
# visibility (1-3 frames at 30 fps in the corpus), short enough that the pause shows at once.
CONFIRM_S = 0.3
RETURN_S = 0.3  # the patient's body for this long before counting again
# Someone else alone in the picture for this long becomes the person coached. A carer or a child
# walking through stays a few seconds; a patient who came back at a new distance should not have
# to wait longer than a short pause.
ADOPT_AFTER_S = 10.0


class PersonState(enum.Enum):
    PATIENT = "patient"  # the person coached (or nobody) is in the picture
    OTHER = "other"  # someone else fills the picture: counting paused


class PersonWatch:
    """Is the body in the picture the patient's? ``update(frame)`` once per frame (a second call
    with the same frame changes nothing: the live coach screens a frame for its rest and watcher,
    and an entry's recorder screens it again for its counters).

    After each update, :attr:`held` says whether the frame must be kept from the classifiers (a
    body unlike the patient's) and :attr:`paused` whether someone else has been announced.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._recent: deque[tuple[float, Body]] = deque()
        self._reference: Body | None = None
        self._seen_s = -math.inf  # when the patient's body was last seen
        self._other: Body | None = None  # the other person's last body, while paused
        self.state = PersonState.PATIENT
        self._unlike_since = math.nan  # first of the current run of unlike frames
        self._like_since = math.nan  # first of the current run of the patient's frames, while OTHER
        self._other_since = math.nan  # start of the announced episode
        self._last_t = 0.0
        self._last_frame: tuple[float, int] | None = None
        self.held = False

    @property
    def paused(self) -> bool:
        return self.state is PersonState.OTHER

    def calibrated_on(self, frame: PoseFrame) -> None:
        """The person in ``frame`` is the patient (their neutral posture was calibrated on it): they
        are the reference from now on, whoever the watch saw before."""
        body = body_of(frame)
        if body is None:
            return
        self.reset()
        self._remember(frame.t_s, body)

    def update(self, frame: PoseFrame) -> list[Event]:
        t = frame.t_s
        if self._last_frame == (t, frame.index):
            return []  # this frame was judged already: held and paused stand
        self._last_frame = (t, frame.index)
        self._last_t = t
        body = body_of(frame)
        if body is None:  # nobody, or too little of a body to compare: the analyser's tracking decides
            self.held = self.paused
            self._unlike_since = math.nan
            self._like_since = math.nan
            return []
        if self._reference is None:
            self._remember(t, body)
        if self._is_patient(t, body):
            return self._patient_seen(t, body)
        return self._other_seen(t, body)

    def finish(self) -> list[Event]:
        """Close an open episode at the end of the source."""
        if not self.paused:
            return []
        self.state = PersonState.PATIENT
        return [PersonChangeEnded(self._last_t, self._other_since, self._last_t, "ended")]

    def _is_patient(self, t: float, body: Body) -> bool:
        """Like the patient's body, and (while paused) not simply the other person moving on (judged
        from their last frame without a walking allowance: where they went unseen is unknown)."""
        assert self._reference is not None
        if self.paused and self._other is not None and _alike(self._other, 0.0, body):
            return False
        return _alike(self._reference, t - self._seen_s, body)

    def _patient_seen(self, t: float, body: Body) -> list[Event]:
        self._unlike_since = math.nan
        if not self.paused:
            self.held = False
            self._remember(t, body)
            return []
        if math.isnan(self._like_since):
            self._like_since = t
        self.held = True
        if t - self._like_since < RETURN_S:
            return []
        self._recent.clear()
        self._remember(t, body)
        return self._end(t, "returned")

    def _other_seen(self, t: float, body: Body) -> list[Event]:
        self.held = True
        self._other = body
        self._like_since = math.nan
        if math.isnan(self._unlike_since):
            self._unlike_since = t
        if not self.paused:
            if t - self._unlike_since < CONFIRM_S:
                return []
            self.state = PersonState.OTHER
            self._other_since = self._unlike_since
            return [PersonChanged(t, start_s=self._unlike_since)]
        if t - self._unlike_since < ADOPT_AFTER_S:
            return []
        self._recent.clear()
        self._remember(t, body)
        self.held = False
        return self._end(t, "adopted")

    def _end(self, t: float, outcome: str) -> list[Event]:
        self.state = PersonState.PATIENT
        self._other = None
        self._like_since = math.nan
        self._unlike_since = math.nan
        return [PersonChangeEnded(t, self._other_since, t, outcome)]

    def _remember(self, t: float, body: Body) -> None:
        """Add the patient's body at ``t`` and set the reference to the median of the last window."""
        recent = self._recent
        recent.append((t, body))
        while recent[0][0] < t - REFERENCE_WINDOW_S:
            recent.popleft()
        self._seen_s = t
        self._reference = Body(
            statistics.median(b.centre_x for _, b in recent),
            statistics.median(b.centre_y for _, b in recent),
            statistics.median(b.stature for _, b in recent),
        )


def _alike(reference: Body, since_s: float, body: Body) -> bool:
    """Could ``body`` be the same person as ``reference``, seen ``since_s`` seconds before?"""
    allowed_shift = SHIFT_STATURES + WALK_STATURES_PER_S * max(0.0, since_s)
    return reference.size_ratio(body) <= SIZE_RATIO and reference.shift(body) <= allowed_shift
