"""The exercise library as data: one :class:`ExerciseSpec` per stable id (DESIGN.md).

Each exercise has a primary *signal* (a joint angle in degrees, 180 = straight joint, or a
named ratio from :mod:`spinesafe.classifiers.features`) that moves between a *rest* position,
where a rep starts, and a *turning* position (the deepest or highest point). Thresholds are
starting points from movement biomechanics, not fitted to any clip; each comment says where
a number comes from. Guidelines cited:

- TTF: Too Fit To Fracture (Giangregorio 2014; Delphi 2015): strength >= 2 days/week, 8-12 reps,
  1-3 sets; balance daily; back-extensor holds 3-5 s; spine sparing: no end-range, rapid,
  repetitive, loaded or twisting spinal flexion; bend at hips and knees, not the spine.
- ROS: Royal Osteoporosis Society, Strong, Steady and Straight (2022).
- Sinaki 1984: flexion exercise and vertebral fractures (89% vs 16% with extension).
- LIFTMOR: Watson 2015/2018, hip-hinged neutral-spine lifting is safe when supervised.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from spinesafe.classifiers.features import View
from spinesafe.errors import UnknownExerciseError


class Kind(enum.Enum):
    COUNTED = "counted"
    HOLD = "hold"
    UNSAFE = "unsafe"  # recognised and flagged, never coached


class CountAt(enum.Enum):
    """When a rep is announced: on returning to rest (squat) or on reaching the turn (sit-to-stand)."""

    RETURN = "return"
    TURN = "turn"


class SideRule(enum.Enum):
    """Which side's signal a two-sided exercise uses.

    STRAIGHTER: both legs move together; the straighter side is used because walking bends one
    leg at a time (so walking about never looks like a squat). NEARER_TURN: either limb may do
    the work (curls, lunges, marching): the side further towards the turning point. NONE: the
    signal has no sides.
    """

    STRAIGHTER = "straighter"
    NEARER_TURN = "nearer_turn"
    NONE = "none"


ALL_VIEWS = (View.SIDE, View.OBLIQUE, View.FRONT)


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise.

    A full rep moves the signal from beyond ``rest`` to beyond ``turn`` and back; a rep that
    turns in between after moving at least ``min_range`` is reported as partial. For holds,
    the posture is held while the signal is beyond ``turn`` and released beyond ``rest``;
    ``target_s`` is the hold goal. ``allowed_flexion_deg`` is the trunk rounding tolerated
    before a caution (per-patient overridable). ``views`` are those the primary signal works in.
    """

    id: str
    name: str
    kind: Kind
    signal: str
    rest: float
    turn: float
    min_range: float
    sides: SideRule
    views: tuple[View, ...]
    how_to: str
    guideline: str
    count_at: CountAt = CountAt.RETURN
    allowed_flexion_deg: float = 20.0
    # Done standing or sitting tall: the trunk comes within 45 deg of vertical at least once in
    # every 2 s (the recogniser holds its windows to this; see recogniser.allowed_classes).
    upright: bool = False
    min_rep_s: float = 0.6  # faster is landmark noise, not a controlled rep
    target_s: float = 0.0
    unit: str = "deg"
    # The rep is the return to rest, not the turn: a deadlift's rep is the pull to lockout, and lifts
    # start and end with the bar on the floor, so a source that ends at the turn (the bar set down
    # after the last rep) holds no rep cut by the end.
    ends_at_rest: bool = False
    # The rep pivots on the toes, which stay where they are (a heel raise): a rep over which they slid
    # is a step or a turn, not counted (reps.TOES_PLANTED_MAX_SHIFT_M).
    toes_planted: bool = False
    # A movement to avoid names the safe exercise of the library to do instead (the id), so that a
    # refusal to coach it can say what to do: never coached, always redirected.
    instead: str = ""

    @property
    def turn_is_low(self) -> bool:
        """True when the turning point is a smaller value than rest (knee bends in a squat)."""
        return self.turn < self.rest

    def __post_init__(self) -> None:
        if abs(self.rest - self.turn) < self.min_range:
            raise ValueError(f"{self.id}: rest and turn thresholds closer than min_range")
        if self.kind is Kind.HOLD and self.target_s <= 0:
            raise ValueError(f"{self.id}: a hold needs a positive target_s")
        if (self.kind is Kind.UNSAFE) != bool(self.instead):
            raise ValueError(f"{self.id}: 'instead' is for movements to avoid, and each of them needs one")


_TTF = "Too Fit To Fracture (Giangregorio 2014): 8-12 reps, 1-3 sets, >= 2 days/week"
_SPARING = "TTF spine sparing: bend at hips and knees, not the spine"
_BALANCE = "TTF and ROS Strong, Steady and Straight (2022): balance training daily"
_UNSAFE = "TTF / ROS: avoid loaded or end-range spinal flexion; Sinaki & Mikkelsen 1984"

_SPECS = (
    # -- legs ------------------------------------------------------------------------------
    ExerciseSpec(
        id="sit_to_stand", name="Sit to stand", kind=Kind.COUNTED, upright=True, signal="hip",
        # Seated the trunk-thigh angle is ~90-110 deg, standing > 160 deg. Announced when
        # standing is reached (how physios count chair stands).
        rest=125.0, turn=150.0, min_range=20.0, sides=SideRule.STRAIGHTER, views=ALL_VIEWS,
        count_at=CountAt.TURN, min_rep_s=0.8,
        how_to="Sit near the front of the chair, lean forward from the hips, push through your heels to stand.",
        guideline=f"{_TTF}; ROS: sit-to-stand for leg strength.",
    ),
    ExerciseSpec(
        id="squat", name="Mini squat", kind=Kind.COUNTED, upright=True, signal="knee",
        # Standing knees read 165-180 deg; a mini/chair squat bends them >= ~40 deg (<= 140).
        rest=155.0, turn=140.0, min_range=12.0, sides=SideRule.STRAIGHTER, views=ALL_VIEWS,
        how_to="Feet hip-width apart, sit back as if onto a chair, chest up, then stand tall.",
        guideline=f"{_TTF}; {_SPARING}.",
    ),
    ExerciseSpec(
        id="lunge", name="Lunge", kind=Kind.COUNTED, upright=True, signal="knee",
        # The front knee goes from straight to ~90-110 deg in a split squat.
        rest=150.0, turn=125.0, min_range=15.0, sides=SideRule.NEARER_TURN, views=ALL_VIEWS, min_rep_s=0.8,
        how_to="Step forward, lower the back knee towards the floor, keep your chest up, push back.",
        guideline=f"{_TTF}; hold a chair or counter for balance.",
    ),
    ExerciseSpec(
        id="step_up", name="Step up", kind=Kind.COUNTED, upright=True, signal="step_height",
        # The lower foot's height above the floor, % of trunk length (signals.StepHeight): 0 on
        # the floor, the step's height at the top. A 15 cm step, the lowest in home programmes,
        # is ~30% of a 0.5 m trunk; turn at 20% leaves 10 points under it. On the floor the
        # measure stays within 9% (the corpus step-up, feet landing), under rest 10% + its band.
        rest=10.0, turn=20.0, min_range=10.0, sides=SideRule.NONE, views=ALL_VIEWS,
        min_rep_s=0.8, unit="% trunk",
        how_to="Step up onto a low step with the whole foot, stand tall, step down with control.",
        guideline=f"{_TTF}; ROS: impact and strength for the hips.",
    ),
    ExerciseSpec(
        id="heel_raise", name="Heel raise", kind=Kind.COUNTED, upright=True, signal="foot_pitch",
        # Flat foot ~0-10 deg heel-to-toe pitch; rising onto the toes tilts it 20-40 deg.
        rest=10.0, turn=20.0, min_range=8.0, sides=SideRule.STRAIGHTER, views=(View.SIDE, View.OBLIQUE),
        # Rise, pause, lower slowly: a controlled heel raise takes 1.5-3 s (the home corpus reps
        # 2.0-2.4 s); a walking step's push-off lifts the heels for ~0.5-0.7 s (0.7 s measured as
        # a man walked out of the picture), so shorter lifts are steps, not reps.
        min_rep_s=1.0,
        toes_planted=True,
        how_to="Hold a counter, rise up onto your toes, pause, lower slowly.",
        guideline=f"{_TTF}; ROS: calf strength for balance.",
    ),
    ExerciseSpec(
        id="side_leg_raise", name="Side leg raise", kind=Kind.COUNTED, upright=True, signal="leg_spread",
        # Thighs ~5-10 deg apart standing; a side raise takes one leg out 25-40 deg.
        rest=14.0, turn=24.0, min_range=8.0, sides=SideRule.NONE, views=(View.FRONT, View.OBLIQUE),
        how_to="Hold a chair, lift one leg out to the side with toes forward, lower slowly.",
        guideline=f"{_TTF}; hip abductors protect against falls.",
    ),
    ExerciseSpec(
        id="marching", name="Marching on the spot", kind=Kind.COUNTED, upright=True, signal="hip",
        # Trunk-thigh angle ~175 standing; lifting the knee brings it to ~100-130 deg.
        rest=155.0, turn=135.0, min_range=15.0, sides=SideRule.NEARER_TURN, views=(View.SIDE, View.OBLIQUE),
        min_rep_s=0.4,
        how_to="March on the spot, lifting each knee in turn, hold something if you need to.",
        guideline=f"{_BALANCE}.",
    ),
    ExerciseSpec(
        id="bridge", name="Bridge", kind=Kind.COUNTED, signal="hip",
        # Lying with knees bent the trunk-thigh angle is ~120-135 deg; lifted hips ~165-180.
        rest=145.0, turn=160.0, min_range=10.0, sides=SideRule.STRAIGHTER, views=(View.SIDE, View.OBLIQUE),
        how_to="Lie on your back, knees bent, squeeze your buttocks and lift your hips, lower slowly.",
        guideline=f"{_TTF}; hip extensors without spinal flexion.",
    ),
    ExerciseSpec(
        id="jumping_jack", name="Jumping jack", kind=Kind.COUNTED, upright=True, signal="shoulder",
        # Arms by the side ~10-30 deg from the trunk; overhead > 120 deg.
        rest=60.0, turn=110.0, min_range=30.0, sides=SideRule.STRAIGHTER, views=(View.FRONT, View.OBLIQUE),
        min_rep_s=0.4,
        how_to="Only if your physiotherapist agrees: jump feet out as the arms go up, back in as they come down.",
        guideline="ROS: impact exercise for bone (when cleared for it).",
    ),
    # -- arms, chest, shoulders, back --------------------------------------------------------
    ExerciseSpec(
        id="wall_push_up", name="Wall push-up", kind=Kind.COUNTED, upright=True, signal="elbow",
        # Elbows straight ~160-180 deg; chest to the wall bends them to ~90-110 deg.
        rest=150.0, turn=120.0, min_range=20.0, sides=SideRule.STRAIGHTER, views=(View.SIDE, View.OBLIQUE),
        how_to="Hands on the wall at shoulder height, body straight, bend the elbows, push back.",
        guideline=f"{_TTF}: chest and arms.",
    ),
    ExerciseSpec(
        id="push_up", name="Push-up", kind=Kind.COUNTED, signal="push_elbow",
        # As the wall push-up, on an incline or the floor. The signal is the elbow angle, or in a
        # side view the angle implied by the shoulder-wrist distance when that is more bent
        # (features._chord_elbow_deg: a bar or rack often hides the elbow).
        rest=145.0, turn=115.0, min_range=20.0, sides=SideRule.STRAIGHTER, views=ALL_VIEWS,
        how_to="Hands under the shoulders, body in one straight line, lower the chest, push up.",
        guideline=f"{_TTF}: chest and arms; keep the back straight.",
    ),
    ExerciseSpec(
        id="biceps_curl", name="Biceps curl", kind=Kind.COUNTED, upright=True, signal="elbow",
        # Arm down ~160-175 deg; curled ~40-70 deg.
        rest=130.0, turn=90.0, min_range=30.0, sides=SideRule.NEARER_TURN, views=ALL_VIEWS,
        how_to="Elbows by your sides, curl the weight up, lower slowly.",
        guideline=f"{_TTF}: arms.",
    ),
    ExerciseSpec(
        id="shoulder_press", name="Shoulder press", kind=Kind.COUNTED, upright=True, signal="shoulder",
        # Arm elevation from the trunk: hands at the shoulders ~70-100 deg, pressed overhead
        # ~150-175. The more raised arm is used, so a one-arm press counts too (an idle arm
        # hangs at ~10 deg).
        rest=115.0, turn=145.0, min_range=20.0, sides=SideRule.NEARER_TURN, views=ALL_VIEWS,
        how_to="Hands at shoulder height, press up overhead without arching your back, lower slowly.",
        guideline=f"{_TTF}: shoulders.",
    ),
    ExerciseSpec(
        id="lateral_raise", name="Lateral raise", kind=Kind.COUNTED, upright=True, signal="shoulder",
        # Arm by the side ~10-25 deg from the trunk; raised to shoulder height ~80-90.
        rest=40.0, turn=65.0, min_range=20.0, sides=SideRule.NEARER_TURN, views=(View.FRONT, View.OBLIQUE),
        how_to="Arms by your sides, raise them out to shoulder height, lower slowly.",
        guideline=f"{_TTF}: shoulders.",
    ),
    ExerciseSpec(
        id="row", name="Row", kind=Kind.COUNTED, signal="elbow",
        # Arm reaching out ~150-180 deg; pulled back to the ribs ~60-100 deg.
        rest=135.0, turn=105.0, min_range=25.0, sides=SideRule.NEARER_TURN, views=(View.SIDE, View.OBLIQUE),
        how_to="Pull the band towards your ribs, squeeze your shoulder blades, chest up, return slowly.",
        guideline=f"{_TTF}: upper back, for posture.",
    ),
    ExerciseSpec(
        id="hip_hinge", name="Hip hinge", kind=Kind.COUNTED, signal="hip",
        # Standing trunk-thigh ~170-180 deg; a hinge with soft knees brings it to ~90-130.
        rest=155.0, turn=130.0, min_range=20.0, sides=SideRule.STRAIGHTER, views=(View.SIDE, View.OBLIQUE),
        allowed_flexion_deg=15.0, min_rep_s=0.8, ends_at_rest=True,
        how_to="Soft knees, push your hips back, keep your back straight and chest up, then stand tall.",
        guideline=f"LIFTMOR (Watson 2018): neutral-spine hip hinge; {_SPARING}.",
    ),
    ExerciseSpec(
        id="standing_back_extension", name="Standing back extension", kind=Kind.COUNTED, signal="trunk_lean",
        upright=True,
        # Upright 0 +- 5 deg; a gentle extension leans the trunk back 8-15 deg.
        rest=-3.0, turn=-8.0, min_range=4.0, sides=SideRule.NONE, views=(View.SIDE, View.OBLIQUE),
        how_to="Hands on your lower back, lift your chest and lean back gently, return to standing tall.",
        guideline="ROS: spinal extension for posture; Sinaki 1984: extension, not flexion.",
    ),
    ExerciseSpec(
        id="prone_back_extension", name="Prone back extension", kind=Kind.COUNTED, signal="trunk_over_legs",
        # Lying face down the hip->shoulder line is ~85-95 deg from vertical; lifting the chest
        # 5-15 deg off the floor brings it to ~75-85. Measured with the legs' line as the floor
        # (features.LYING_MIN_INCLINATION_DEG), so that a rolled camera does not shift it.
        rest=86.0, turn=80.0, min_range=4.0, sides=SideRule.NONE, views=(View.SIDE, View.OBLIQUE),
        how_to="Lie face down, lift your chest and head a little, look at the floor, lower slowly.",
        guideline="TTF: back-extensor exercise; Sinaki 1984.",
    ),
    # -- holds -----------------------------------------------------------------------------
    ExerciseSpec(
        id="tandem_stance", name="Tandem stance", kind=Kind.HOLD, upright=True, signal="tandem",
        # tandem = AP minus lateral ankle gap over hip width: feet in line ~+0.5..+1.0,
        # ordinary stance ~-0.5..-1.0.
        rest=0.0, turn=0.3, min_range=0.2, sides=SideRule.NONE, views=ALL_VIEWS, target_s=30.0, unit="ratio",
        how_to="Stand with one foot directly in front of the other, next to a counter, and hold.",
        guideline=f"{_BALANCE}.",
    ),
    ExerciseSpec(
        id="single_leg_stance", name="Single-leg stance", kind=Kind.HOLD, upright=True, signal="foot_height_ratio",
        # One foot lifted >= ~8% of leg length off the floor; both down < ~4%.
        rest=0.04, turn=0.08, min_range=0.03, sides=SideRule.NONE, views=ALL_VIEWS, target_s=10.0, unit="ratio",
        how_to="Hold a counter, lift one foot off the floor and balance; change legs.",
        guideline=f"{_BALANCE}.",
    ),
    ExerciseSpec(
        id="back_extension_hold", name="Back extension hold", kind=Kind.HOLD, signal="trunk_over_legs",
        rest=86.0, turn=81.0, min_range=4.0, sides=SideRule.NONE, views=(View.SIDE, View.OBLIQUE), target_s=5.0,
        how_to="Lie face down, lift your chest a little and hold for 3-5 seconds, breathing.",
        guideline="TTF: back-extensor endurance holds of 3-5 s.",
    ),
    # -- unsafe patterns: recognised and flagged, never coached ---------------------------
    ExerciseSpec(
        id="toe_touch", name="Toe touch (avoid)", kind=Kind.UNSAFE, signal="trunk_inclination",
        rest=25.0, turn=55.0, min_range=20.0, sides=SideRule.NONE, views=(View.SIDE, View.OBLIQUE), min_rep_s=0.8,
        allowed_flexion_deg=10.0,
        how_to="Avoid: bending forward to touch the toes rounds the spine under load.",
        instead="hip_hinge",
        guideline=_UNSAFE,
    ),
    ExerciseSpec(
        id="sit_up", name="Sit-up (avoid)", kind=Kind.UNSAFE, signal="trunk_inclination",
        # Lying ~80-100 deg from vertical; sitting up brings the trunk to ~20-50 deg.
        rest=70.0, turn=50.0, min_range=15.0, sides=SideRule.NONE, views=(View.SIDE, View.OBLIQUE),
        allowed_flexion_deg=10.0,
        how_to="Avoid: sit-ups flex the spine repeatedly.",
        instead="bridge",
        guideline=_UNSAFE,
    ),
    ExerciseSpec(
        id="crunch", name="Crunch (avoid)", kind=Kind.UNSAFE, signal="trunk_inclination",
        # A crunch lifts the shoulders 20-40 deg off the floor or ball.
        rest=75.0, turn=65.0, min_range=8.0, sides=SideRule.NONE, views=(View.SIDE, View.OBLIQUE),
        allowed_flexion_deg=10.0,
        how_to="Avoid: crunches flex the spine repeatedly.",
        instead="bridge",
        guideline=_UNSAFE,
    ),
    ExerciseSpec(
        id="rounded_back_lift", name="Rounded-back lift (avoid)", kind=Kind.UNSAFE, signal="hip",
        rest=155.0, turn=130.0, min_range=20.0, sides=SideRule.STRAIGHTER, views=(View.SIDE, View.OBLIQUE),
        allowed_flexion_deg=10.0, min_rep_s=0.8,
        how_to="Avoid: lifting with a rounded back loads the bent spine; hinge at the hips, back straight.",
        instead="hip_hinge",
        guideline=f"{_UNSAFE}; LIFTMOR: neutral spine.",
    ),
)  # fmt: skip


def _library(specs: tuple[ExerciseSpec, ...]) -> dict[str, ExerciseSpec]:
    """The specs by id; each movement to avoid must point to a safe exercise of the same library."""
    table = {spec.id: spec for spec in specs}
    for spec in specs:
        if spec.instead and (spec.instead not in table or table[spec.instead].kind is Kind.UNSAFE):
            raise ValueError(f"{spec.id}: instead={spec.instead!r} is not a safe exercise of the library")
    return table


EXERCISES: dict[str, ExerciseSpec] = _library(_SPECS)
UNSAFE_PATTERNS = tuple(sorted(spec.id for spec in _SPECS if spec.kind is Kind.UNSAFE))
"""The movements to avoid: recognised and warned about, never coached."""


NOT_IN_LIBRARY = ExerciseSpec(
    id="unknown", name="Unknown movement", kind=Kind.COUNTED, signal="trunk_inclination",
    rest=0.0, turn=90.0, min_range=1.0, sides=SideRule.NONE, views=ALL_VIEWS,
    how_to="Not an exercise spinesafe knows: nothing is counted; the back and twisting are still watched.",
    guideline="DESIGN: the flexion and twist monitors run in every mode, whatever the exercise.",
)  # fmt: skip
"""What ``--exercise auto`` analyses a recording as when the recogniser names nothing of the library
but a movement outside it (its open-set answer, ``unknown``): no rep is counted (the analyser gives it
no counter), while the flexion, twist and movement-to-avoid watches run as for any exercise. Its
id is no exercise id: ``--exercise unknown`` and programmes still refuse it."""


def analysed_as(exercise_id: str) -> ExerciseSpec:
    """The spec a segment of ``exercise_id`` is analysed with: :data:`NOT_IN_LIBRARY` for ``unknown``."""
    return NOT_IN_LIBRARY if exercise_id == NOT_IN_LIBRARY.id else get_exercise(exercise_id)


def get_exercise(exercise_id: str) -> ExerciseSpec:
    """The spec of ``exercise_id``; an unknown id raises an error listing the valid ones."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        valid = ", ".join(sorted(EXERCISES))
        raise UnknownExerciseError(f"unknown exercise {exercise_id!r}; valid ids: {valid}") from None


def not_coached(spec: ExerciseSpec) -> str:
    """For a movement to avoid: one line on why it is never coached and what to do instead."""
    why = spec.how_to.removeprefix("Avoid: ").split(";")[0].rstrip(".")  # the reason, not the advice
    alternative = EXERCISES[spec.instead]
    return (
        f"{spec.id} is a movement to avoid with osteoporosis and is never coached: {why}. "
        f"Instead: {alternative.name} (--exercise {alternative.id}); "
        f"`spinesafe review --exercise {spec.id} VIDEO` still checks a recording for it"
    )


def exercise_name(exercise_id: str) -> str:
    """The display name of ``exercise_id`` ("Sit-up (avoid)"), or the id itself when unknown."""
    spec = EXERCISES.get(exercise_id)
    return spec.name if spec is not None else exercise_id
