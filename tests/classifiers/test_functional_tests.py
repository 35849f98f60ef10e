"""The functional tests (issue 15) scored on synthetic motions whose truth is known."""

from __future__ import annotations

import pytest

from spinesafe.classifiers.functional import FunctionalTest, Sex, parse_sex, parse_test_id, score_frames
from spinesafe.classifiers.functional.body import Placement, foot_placement
from spinesafe.classifiers.functional.norms import (
    chair_stand_norm,
    sppb_balance_points,
    sppb_chair_points,
    sppb_gait_points,
    tug_norm,
)
from spinesafe.lab import synthetic as syn
from spinesafe.lab import synthetic_tests as st

FPS = 30.0


def _phase(result, name):
    return next(p for p in result.phases if p.name == name)


# -- norms -------------------------------------------------------------------------------------------


def test_chair_stand_norm_uses_the_steadi_row_of_the_age_and_sex():
    below = chair_stand_norm(9, 78, Sex.FEMALE)
    assert below is not None and below.flag is True and below.threshold == 10 and "STEADI" in below.source
    assert chair_stand_norm(10, 78, Sex.FEMALE).flag is False
    assert chair_stand_norm(10, 78, Sex.MALE).flag is True  # men 75-79: < 11
    assert chair_stand_norm(13, 62, Sex.MALE).flag is True  # men 60-64: < 14
    assert chair_stand_norm(12, 55, Sex.FEMALE).flag is None  # the table starts at 60
    assert chair_stand_norm(12, None, Sex.FEMALE) is None


def test_tug_and_sppb_cut_offs():
    assert tug_norm(12.0).flag is True and tug_norm(11.9).flag is False and tug_norm(None).flag is None
    assert [sppb_gait_points(t) for t in (4.0, 4.82, 6.2, 6.21, 8.7, 8.71, None)] == [4, 3, 3, 2, 2, 1, 0]
    assert [sppb_chair_points(t) for t in (11.19, 11.2, 13.69, 13.7, 16.69, 16.7, 61.0, None)] == [
        4,
        3,
        3,
        2,
        2,
        1,
        0,
        0,
    ]
    assert sppb_balance_points(10, 10, 10) == 4
    assert sppb_balance_points(10, 10, 3) == 3
    assert sppb_balance_points(10, 10, 2.9) == 2
    assert sppb_balance_points(10, 9, 10) == 1  # the test stops at the semi-tandem
    assert sppb_balance_points(4, 10, 10) == 0


def test_test_ids_and_spellings():
    assert parse_test_id("chair-stand") is FunctionalTest.CHAIR_STAND_30S
    assert parse_test_id("tug") is FunctionalTest.TIMED_UP_AND_GO
    assert parse_test_id("balance") is FunctionalTest.FOUR_STAGE_BALANCE
    assert parse_test_id("sppb") is FunctionalTest.SPPB
    assert parse_test_id("five_times_sit_to_stand") is FunctionalTest.FIVE_TIMES_SIT_TO_STAND
    with pytest.raises(ValueError, match="valid"):
        parse_test_id("chair")
    assert parse_sex("f") is Sex.FEMALE
    with pytest.raises(ValueError):
        parse_sex("x")


# -- chair stands ------------------------------------------------------------------------------------


def test_a_stand_over_halfway_up_when_the_30_s_end_counts():
    keyframes, truth = st.chair_stands(11, 2.6, final_rise_fraction=0.7, final_rise_at_s=31.0)
    result = score_frames(FunctionalTest.CHAIR_STAND_30S, syn.animate(keyframes, FPS), age=78, sex=Sex.FEMALE)
    assert len(truth.full_stand_s) == 11
    assert result.count == 12 and result.score == 12
    assert any("over halfway up" in n for n in result.notes)
    assert abs(_phase(result, "test").start_s - truth.onset_s) < 0.15  # the clock starts at the first lean
    assert result.norm is not None and result.norm.flag is False


def test_a_stand_only_just_leaving_the_seat_at_30_s_does_not_count():
    keyframes, _ = st.chair_stands(11, 2.6, final_rise_fraction=0.0, final_rise_at_s=31.0)
    result = score_frames(FunctionalTest.CHAIR_STAND_30S, syn.animate(keyframes, FPS))
    assert result.count == 11
    assert not any("over halfway up" in n for n in result.notes)


def test_stands_after_the_30_s_are_not_counted():
    keyframes, truth = st.chair_stands(15, 2.5)
    result = score_frames(FunctionalTest.CHAIR_STAND_30S, syn.animate(keyframes, FPS))
    within = [t for t in truth.full_stand_s if t <= truth.onset_s + 30.0]
    assert len(within) == 12 and result.count == 12


def test_hands_leaving_the_chest_are_noted_and_score_zero_by_steadi():
    keyframes, truth = st.chair_stands(8, 2.5, arms_off_from=4)
    result = score_frames(FunctionalTest.CHAIR_STAND_30S, syn.animate(keyframes, FPS), age=70, sex=Sex.MALE)
    assert result.count == 8 and result.score == 0
    assert truth.arms_off_s is not None
    arms_s = result.parts["arms_left_chest_s"]
    assert arms_s is not None and abs(arms_s - truth.arms_off_s) < 0.5
    assert any("arms left the chest" in n for n in result.notes)
    assert any("21.9 s of the 30 s" in n or "of the 30 s test" in n for n in result.notes)  # a short recording


def test_arms_kept_on_the_chest_leave_no_note():
    keyframes, _ = st.chair_stands(8, 2.5)
    result = score_frames(FunctionalTest.CHAIR_STAND_30S, syn.animate(keyframes, FPS))
    assert result.parts["arms_left_chest_s"] is None and result.score == 8


@pytest.mark.parametrize("view", [syn.CameraView.SIDE_FACING_LEFT, syn.CameraView.FRONT, syn.CameraView.OBLIQUE_RIGHT])
def test_five_times_sit_to_stand_is_timed_from_the_first_lean_to_the_fifth_full_stand(view):
    keyframes, truth = st.chair_stands(6, 2.4)
    result = score_frames(FunctionalTest.FIVE_TIMES_SIT_TO_STAND, syn.animate(keyframes, FPS, view=view))
    expected = truth.full_stand_s[4] - truth.onset_s
    assert result.count == 5
    assert result.time_s is not None and abs(result.time_s - expected) < 0.3
    assert result.score == sppb_chair_points(expected)


def test_fewer_than_five_stands_is_unable():
    keyframes, _ = st.chair_stands(4, 2.4)
    result = score_frames(FunctionalTest.FIVE_TIMES_SIT_TO_STAND, syn.animate(keyframes, FPS))
    assert result.time_s is None and result.score == 0 and result.count == 4
    assert any("Only 4 full stand" in n for n in result.notes)


# -- balance -----------------------------------------------------------------------------------------


def _frame(pose, view):
    return syn.pose_to_frame(pose, view=view)


def test_foot_placement_from_an_oblique_view_tells_the_stances_apart():
    view = syn.CameraView.OBLIQUE_LEFT
    assert foot_placement(_frame(st.feet_together_pose(), view))[0] == {Placement.SIDE_BY_SIDE}
    assert foot_placement(_frame(st.semi_tandem_pose(), view))[0] == {Placement.SEMI_TANDEM}
    assert foot_placement(_frame(syn.tandem_pose(), view))[0] == {Placement.TANDEM}
    assert foot_placement(_frame(syn.single_leg_pose(), view))[0] == {Placement.ONE_FOOT}
    assert foot_placement(_frame(syn.STANDING, view))[0] == set()  # feet apart: no test stance


def test_foot_placement_says_what_a_front_or_side_view_cannot_tell():
    front = syn.CameraView.FRONT
    # From the front the gap along the feet is depth: side by side and semi-tandem look alike.
    assert foot_placement(_frame(st.semi_tandem_pose(), front))[0] == {Placement.SIDE_BY_SIDE, Placement.SEMI_TANDEM}
    assert foot_placement(_frame(syn.tandem_pose(), front))[0] == {Placement.TANDEM}
    # In profile the far foot is hidden behind the near one: nothing tells the stances apart.
    side = foot_placement(_frame(syn.tandem_pose(), syn.CameraView.SIDE_FACING_LEFT))[0]
    assert {Placement.SEMI_TANDEM, Placement.TANDEM} <= side


def test_losing_tandem_at_6_s_stops_at_stage_3_with_increased_fall_risk():
    keyframes, truth = st.four_stage_balance((12.0, 12.0, 6.0))
    result = score_frames(
        FunctionalTest.FOUR_STAGE_BALANCE, syn.animate(keyframes, FPS, view=syn.CameraView.OBLIQUE_LEFT)
    )
    assert result.stage_reached == 3 and result.score == 2
    assert result.parts["side_by_side_s"] == 10.0 and result.parts["semi_tandem_s"] == 10.0
    tandem = result.parts["tandem_s"]
    assert tandem is not None and abs(tandem - truth.held_s[2]) < 1.0
    assert result.norm is not None and result.norm.flag is True
    assert [p.name for p in result.phases] == ["side by side", "semi-tandem", "tandem"]
    assert not any("cannot tell" in n for n in result.notes)


def test_all_four_stances_held_passes():
    keyframes, _ = st.four_stage_balance((11.0, 11.0, 11.0, 11.0))
    result = score_frames(
        FunctionalTest.FOUR_STAGE_BALANCE, syn.animate(keyframes, FPS, view=syn.CameraView.OBLIQUE_LEFT)
    )
    assert result.stage_reached == 4 and result.score == 4
    assert result.norm is not None and result.norm.flag is False


def test_a_front_view_times_the_stages_on_trust_and_says_so():
    keyframes, _ = st.four_stage_balance((12.0, 12.0, 6.0))
    result = score_frames(FunctionalTest.FOUR_STAGE_BALANCE, syn.animate(keyframes, FPS, view=syn.CameraView.FRONT))
    assert result.stage_reached == 3
    assert any("cannot tell side by side from semi-tandem" in n for n in result.notes)


def test_a_recording_ending_mid_stage_is_scored_over_what_it_holds():
    keyframes, _ = st.four_stage_balance((12.0, 12.0, 12.0))
    frames = [f for f in syn.animate(keyframes, FPS, view=syn.CameraView.OBLIQUE_LEFT) if f.t_s < 30.0]
    result = score_frames(FunctionalTest.FOUR_STAGE_BALANCE, frames)
    assert result.stage_reached == 3 and result.parts["tandem_s"] is not None and result.parts["tandem_s"] < 10.0
    assert any("recording ended" in n for n in result.notes)


# -- Timed Up and Go and SPPB ------------------------------------------------------------------------


def _tug(keyframes, truth, **kw):
    return score_frames(FunctionalTest.TIMED_UP_AND_GO, st.render_with_travel(keyframes, truth.travel_m, **kw))


def test_a_brisk_tug_is_timed_with_its_phases():
    keyframes, truth = st.timed_up_and_go()
    result = _tug(keyframes, truth)
    assert result.time_s is not None and abs(result.time_s - truth.tug_s) < 0.5
    assert result.norm is not None and result.norm.flag is False
    assert [p.name for p in result.phases] == [name for name, _, _ in truth.phases]
    for (name, start, end), phase in zip(truth.phases, result.phases, strict=True):
        assert abs(phase.start_s - start) < 0.5 and abs(phase.end_s - end) < 0.5, name


def test_a_slow_shuffling_tug_of_20_s_is_at_risk():
    keyframes, truth = st.slow_shuffling_tug()
    assert truth.tug_s > 20.0
    result = _tug(keyframes, truth)
    assert result.time_s is not None and abs(result.time_s - truth.tug_s) < 0.5
    assert result.norm is not None and result.norm.flag is True
    assert abs(_phase(result, "turn").start_s - truth.phases[2][1]) < 0.5


def test_a_tug_cut_before_sitting_down_has_no_time():
    keyframes, truth = st.timed_up_and_go()
    frames = [f for f in st.render_with_travel(keyframes, truth.travel_m) if f.t_s < 9.0]
    result = score_frames(FunctionalTest.TIMED_UP_AND_GO, frames)
    assert result.time_s is None and any("without the person sitting back down" in n for n in result.notes)


def test_a_tug_walked_towards_the_camera_is_timed_without_walk_phases():
    keyframes, truth = st.timed_up_and_go()
    result = score_frames(FunctionalTest.TIMED_UP_AND_GO, syn.animate(keyframes, FPS, view=syn.CameraView.FRONT))
    assert result.time_s is not None and abs(result.time_s - truth.tug_s) < 0.5
    assert "walk out" not in [p.name for p in result.phases]
    assert any("not seen across the picture" in n for n in result.notes)


def test_sppb_scores_each_part_by_guralnik():
    keyframes, truth = st.sppb()
    frames = st.render_with_travel(keyframes, st.sppb_travel(truth), body_fraction=0.25)
    result = score_frames(FunctionalTest.SPPB, frames)
    five = truth.chairs.full_stand_s[4] - truth.chairs.onset_s
    assert result.parts["balance_points"] == 4
    assert result.parts["gait_points"] == sppb_gait_points(truth.gait_4m_s)
    gait = result.parts["gait_4m_s"]
    assert gait is not None and abs(gait - truth.gait_4m_s) < 0.3
    assert result.parts["chair_stand_points"] == sppb_chair_points(five)
    assert result.score == 4 + sppb_gait_points(truth.gait_4m_s) + sppb_chair_points(five)


def test_sppb_gait_needs_a_view_that_sees_the_4_m():
    keyframes, truth = st.sppb()
    # The camera sees only ~3.5 m of the course: the walk leaves the picture.
    frames = st.render_with_travel(keyframes, st.sppb_travel(truth), body_fraction=0.7)
    result = score_frames(FunctionalTest.SPPB, frames)
    assert result.parts["gait_4m_s"] is None and result.parts["gait_points"] == 0
    assert any("needs a side view that sees" in n for n in result.notes)


def test_a_recording_that_opens_seated_has_its_seated_start_however_short():
    keyframes, _ = st.chair_stands(5, 2.4, seated_s=0.0)
    # The recording starts as the hips are about to leave the seat (as a slideshow of key poses does).
    frames = [f for f in syn.animate(keyframes, FPS) if f.t_s >= 0.75]
    result = score_frames(FunctionalTest.FIVE_TIMES_SIT_TO_STAND, frames)
    assert result.count == 5 and result.time_s is not None
