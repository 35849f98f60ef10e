"""The exercise library as data: one :class:`ExerciseSpec` per stable id (DESIGN.md).

Thresholds are joint angles in degrees (180 = straight joint). Each counted exercise has a
primary angle that moves between a *rest* position (where a rep starts) and a *turning*
position (the deepest or highest point). Where a number comes from a guideline or a
measurement, the comment says which.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from spinesafe.classifiers.features import View
from spinesafe.errors import UnknownExerciseError


class Kind(enum.Enum):
    COUNTED = "counted"
    HOLD = "hold"
    UNSAFE = "unsafe"


class CountAt(enum.Enum):
    """When a rep is announced: on returning to rest (squat) or on reaching the turn (sit-to-stand)."""

    RETURN = "return"
    TURN = "turn"


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise.

    A full rep moves the primary angle from beyond ``rest_deg`` to beyond ``turn_deg`` and
    back; a rep that turns between the two after moving at least ``min_range_deg`` is
    reported as partial. ``allowed_flexion_deg`` is the trunk rounding tolerated before a
    caution (per-patient overridable).
    """

    id: str
    name: str
    kind: Kind
    signal: str
    rest_deg: float
    turn_deg: float
    min_range_deg: float
    count_at: CountAt
    views: tuple[View, ...]
    allowed_flexion_deg: float
    min_rep_s: float
    # Both legs move together: the straighter side is used, because walking bends one leg at a
    # time (so walking about never looks like a squat, and stays "standing" for sit-to-stand).
    bilateral: bool
    how_to: str
    guideline: str

    @property
    def turn_is_low(self) -> bool:
        """True when the turning point is a smaller angle than rest (knee bends in a squat)."""
        return self.turn_deg < self.rest_deg

    def __post_init__(self) -> None:
        if abs(self.rest_deg - self.turn_deg) < self.min_range_deg:
            raise ValueError(f"{self.id}: rest and turn thresholds closer than min_range_deg")


_TTF = "Too Fit To Fracture (Giangregorio 2014): strength 8-12 reps, 1-3 sets, >= 2 days/week"

EXERCISES: dict[str, ExerciseSpec] = {
    spec.id: spec
    for spec in (
        ExerciseSpec(
            id="squat",
            name="Mini squat",
            kind=Kind.COUNTED,
            signal="knee",
            # Standing knee reads 165-180 deg; a mini/chair squat bends the knee at least ~40 deg
            # (angle <= 140). The corpus' quarter squats turn at 120-130 deg.
            rest_deg=155.0,
            turn_deg=140.0,
            min_range_deg=12.0,
            count_at=CountAt.RETURN,
            views=(View.SIDE, View.OBLIQUE, View.FRONT),
            allowed_flexion_deg=20.0,
            min_rep_s=0.6,
            bilateral=True,
            how_to="Feet hip-width apart, sit back as if onto a chair, chest up, then stand tall.",
            guideline=_TTF + "; bend at hips and knees, not the spine.",
        ),
        ExerciseSpec(
            id="sit_to_stand",
            name="Sit to stand",
            kind=Kind.COUNTED,
            signal="hip",
            # Seated the trunk-thigh angle is ~90-110 deg; standing it is > 160 deg. A rep is
            # announced when standing is reached (how physios count chair stands).
            rest_deg=125.0,
            turn_deg=150.0,
            min_range_deg=20.0,
            count_at=CountAt.TURN,
            views=(View.SIDE, View.OBLIQUE, View.FRONT),
            allowed_flexion_deg=20.0,
            min_rep_s=0.8,
            bilateral=True,
            how_to="Sit near the front of the chair, lean forward from the hips, push through your heels to stand.",
            guideline=_TTF + "; ROS Strong, Steady and Straight (2022): sit-to-stand for leg strength.",
        ),
    )
}


def get_exercise(exercise_id: str) -> ExerciseSpec:
    """The spec of ``exercise_id``; an unknown id raises an error listing the valid ones."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        valid = ", ".join(sorted(EXERCISES))
        raise UnknownExerciseError(f"unknown exercise {exercise_id!r}; valid ids: {valid}") from None
