"""Published cut-offs the functional tests are scored against, each with its source.

- CDC STEADI, "Assessment: 30-Second Chair Stand" (Centers for Disease Control and Prevention,
  Stopping Elderly Accidents, Deaths & Injuries, 2017 form), after Rikli & Jones 1999 (J Aging
  Phys Act 7:162-181) and Jones, Rikli & Beam 1999 (Res Q Exerc Sport 70:113-119): the "below
  average" scores by age and sex; "a below average score indicates a risk for falls". If the
  patient must use their arms to stand, the test stops and scores 0.
- CDC STEADI, "Assessment: The 4-Stage Balance Test" (2017): 10 s in each of feet side by side,
  semi-tandem, tandem and one foot; "an older adult who cannot hold the tandem stance for at
  least 10 seconds is at increased risk of falling".
- CDC STEADI, "Assessment: Timed Up & Go (TUG)" (2017), after Podsiadlo & Richardson 1991 (J Am
  Geriatr Soc 39:142-148): "an older adult who takes >= 12 seconds to complete the TUG is at risk
  for falling".
- Guralnik JM, Simonsick EM, Ferrucci L et al. 1994, "A short physical performance battery
  assessing lower extremity function", J Gerontol 49(2):M85-M94: balance (side by side 10 s = 1,
  semi-tandem 10 s = 1, tandem 10 s = 2 / 3-9.99 s = 1 / < 3 s = 0), 4 m gait speed and five chair
  stands scored 0-4 by the quartile cut-offs below (the NIA SPPB protocol's numbers), total 0-12.
"""

from __future__ import annotations

from spinesafe.classifiers.functional.results import NormCheck, Sex

STEADI_CHAIR_STAND = "CDC STEADI Assessment: 30-Second Chair Stand (2017), after Rikli & Jones 1999"
STEADI_BALANCE = "CDC STEADI Assessment: The 4-Stage Balance Test (2017)"
STEADI_TUG = "CDC STEADI Assessment: Timed Up & Go (2017), after Podsiadlo & Richardson 1991"
GURALNIK_1994 = "Guralnik et al. 1994, J Gerontol 49(2):M85-M94 (SPPB)"

# (lowest age, highest age) -> (men, women): a score *below* this is below average (STEADI form).
CHAIR_STAND_BELOW_AVERAGE: tuple[tuple[int, int, int, int], ...] = (
    (60, 64, 14, 12),
    (65, 69, 12, 11),
    (70, 74, 12, 10),
    (75, 79, 11, 10),
    (80, 84, 10, 9),
    (85, 89, 8, 8),
    (90, 94, 7, 4),
)

TUG_FALL_RISK_S = 12.0  # STEADI: >= 12 s
BALANCE_STAGE_S = 10.0  # STEADI and SPPB: each stance is held 10 s

# SPPB (Guralnik 1994): times at or under each bound score 4, 3, 2; longer (but completed) scores 1.
SPPB_GAIT_4M_BOUNDS_S = (4.82, 6.20, 8.70)  # < 4.82 s: 4; 4.82-6.20: 3; 6.21-8.70: 2; > 8.70: 1
SPPB_CHAIR_BOUNDS_S = (11.19, 13.69, 16.69)  # <= 11.19 s: 4; 11.20-13.69: 3; 13.70-16.69: 2; > 16.7: 1
SPPB_CHAIR_MAX_S = 60.0  # five stands taking over 60 s score 0


def chair_stand_norm(stands: int | None, age: int | None, sex: Sex | None) -> NormCheck | None:
    """The STEADI below-average check of a 30-second chair stand count; None without age and sex."""
    if age is None or sex is None:
        return None
    for low, high, men, women in CHAIR_STAND_BELOW_AVERAGE:
        if low <= age <= high:
            bound = men if sex is Sex.MALE else women
            who = f"{'men' if sex is Sex.MALE else 'women'} {low}-{high}"
            if stands is None:
                return NormCheck(
                    f"< {bound} stands: below average ({who})", STEADI_CHAIR_STAND, None, "no result", bound
                )
            below = stands < bound
            verdict = "below average: a risk for falls" if below else "not below average"
            return NormCheck(f"< {bound} stands: below average ({who})", STEADI_CHAIR_STAND, below, verdict, bound)
    return NormCheck("the STEADI table covers ages 60-94", STEADI_CHAIR_STAND, None, f"no norm for age {age}", None)


def tug_norm(time_s: float | None) -> NormCheck:
    flag = None if time_s is None else time_s >= TUG_FALL_RISK_S
    verdict = "no result" if flag is None else ("at risk for falling" if flag else "under the fall-risk cut-off")
    return NormCheck(f">= {TUG_FALL_RISK_S:g} s: at risk for falling", STEADI_TUG, flag, verdict, TUG_FALL_RISK_S)


def balance_norm(tandem_held_s: float | None) -> NormCheck:
    flag = None if tandem_held_s is None else tandem_held_s < BALANCE_STAGE_S
    verdict = "no result" if flag is None else ("increased risk of falling" if flag else "tandem held 10 s")
    return NormCheck(
        f"tandem stance held < {BALANCE_STAGE_S:g} s: increased risk of falling",
        STEADI_BALANCE,
        flag,
        verdict,
        BALANCE_STAGE_S,
    )


def sppb_balance_points(side_by_side_s: float, semi_tandem_s: float, tandem_s: float) -> int:
    """0-4 (Guralnik 1994): side by side 10 s = 1, semi-tandem 10 s = 1, tandem 10 s = 2, 3-9.99 s = 1.

    The stances are done in order and the test stops at the first one not held 10 s."""
    points = 0
    if side_by_side_s < BALANCE_STAGE_S:
        return points
    points += 1
    if semi_tandem_s < BALANCE_STAGE_S:
        return points
    points += 1
    if tandem_s >= BALANCE_STAGE_S:
        return points + 2
    return points + (1 if tandem_s >= 3.0 else 0)


def _timed_points(time_s: float | None, bounds: tuple[float, float, float]) -> int:
    if time_s is None:
        return 0  # unable
    for points, bound in zip((4, 3, 2), bounds, strict=True):
        if time_s <= bound:
            return points
    return 1


def sppb_gait_points(time_4m_s: float | None) -> int:
    """0-4 for the 4 m walk time (Guralnik 1994); None (unable or not measurable) scores 0."""
    if time_4m_s is not None and time_4m_s == SPPB_GAIT_4M_BOUNDS_S[0]:
        return 3  # the fastest band is "< 4.82 s", open at its bound
    return _timed_points(time_4m_s, SPPB_GAIT_4M_BOUNDS_S)


def sppb_chair_points(time_5_stands_s: float | None) -> int:
    """0-4 for the time of five chair stands (Guralnik 1994); over 60 s or unable scores 0."""
    if time_5_stands_s is not None and time_5_stands_s > SPPB_CHAIR_MAX_S:
        return 0
    return _timed_points(time_5_stands_s, SPPB_CHAIR_BOUNDS_S)


def sppb_norm(total: int) -> NormCheck:
    # Guralnik 1994: scores <= 6 carried the highest risk of later disability (and 7-9 an
    # intermediate one) against 10-12; <= 9 is the cut-off most used for limited lower-extremity function.
    flag = total <= 9
    verdict = "limited lower-extremity function" if flag else "10-12: no limitation shown"
    return NormCheck("<= 9 of 12: limited lower-extremity function", GURALNIK_1994, flag, verdict, 9.0)
