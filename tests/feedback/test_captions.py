"""Captions: a safety caption stays while it is spoken (at least 3 s), the pain rule is captioned,
a count never replaces a warning; in the annotated review video and on the live screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spinesafe.feedback.audio import SAMPLE_RATE, EspeakSpeech, render_cue
from spinesafe.feedback.captions import MIN_SAFETY_CAPTION_S, Captions, spoken_s
from spinesafe.feedback.cues import HINGE, PAIN_RULE, STOP_FLEXION, TWIST, Cue, CueKind, unsafe_text
from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, standing
from spinesafe.pose.recording import save_recording

SIT_UP = unsafe_text("sit_up")


def test_a_count_right_after_a_warning_does_not_replace_it() -> None:
    captions = Captions(hold_s=3.0)
    captions.add([Cue(10.0, CueKind.SAFETY, SIT_UP)])
    captions.add([Cue(10.1, CueKind.COUNT, "4")])  # used to replace the warning after 0.1 s
    captions.add([Cue(10.5, CueKind.PRAISE, "Great, 3 more.")])
    assert [captions.text(t) for t in (10.0, 11.0, 12.5)] == [SIT_UP] * 3
    end = 10.0 + max(MIN_SAFETY_CAPTION_S, spoken_s(Cue(10.0, CueKind.SAFETY, SIT_UP)))
    assert captions.text(end - 0.01) == SIT_UP and captions.text(end) == ""


def test_a_newer_warning_replaces_an_older_one_and_other_cues_wait_their_turn() -> None:
    captions = Captions(hold_s=3.0)
    captions.add([Cue(1.0, CueKind.INFO, "Slow and controlled.")])
    assert captions.text(1.5) == "Slow and controlled."
    captions.add([Cue(2.0, CueKind.SAFETY, HINGE), Cue(2.0, CueKind.COUNT, "1")])
    assert captions.text(2.2) == HINGE
    captions.add([Cue(2.4, CueKind.SAFETY, STOP_FLEXION)])  # rounding grew to stop
    captions.add([Cue(3.0, CueKind.SETUP, "Step back.")])  # less urgent: waits
    assert captions.text(6.0) == STOP_FLEXION  # 5.5 s after 2.4 s: still being said
    captions.add([Cue(9.0, CueKind.INFO, "Get ready.")])  # after the warning: shown
    assert captions.text(9.5) == "Get ready."


def test_the_pain_rule_is_captioned_while_it_is_said() -> None:
    captions = Captions(hold_s=4.0)
    captions.add([Cue(0.0, CueKind.INFO, PAIN_RULE), Cue(0.0, CueKind.INFO, "Keep a chair or counter within reach.")])
    assert captions.text(0.0) == captions.text(3.0) == PAIN_RULE
    assert captions.text(3.6) == PAIN_RULE  # still being said (espeak-ng: 3.6 s)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("cue", [Cue(0, CueKind.SAFETY, t) for t in (HINGE, STOP_FLEXION, TWIST, SIT_UP)])
def test_a_caption_lasts_at_least_as_long_as_its_speech(cue: Cue) -> None:
    assert spoken_s(cue) >= render_cue(cue, EspeakSpeech()).size / SAMPLE_RATE
    assert spoken_s(Cue(0, CueKind.INFO, PAIN_RULE)) >= EspeakSpeech().render(PAIN_RULE).size / SAMPLE_RATE


def test_annotated_review_video_keeps_the_warning_on_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The review's frame loop: the caption drawn on the frames 1 s and 2.5 s after a warning is the
    warning, though a rep is counted in between; the pain rule is on the first frames."""
    from spinesafe.feedback.audio import SilentSpeech
    from spinesafe.feedback.video import AnnotatedVideo
    from spinesafe.session.review import run_review

    # Rounded-back hinges: each is warned about as it rounds and counted as it comes up, ~1.5 s later.
    motion = chain(standing(2.0), hip_hinge_reps(2, period_s=3.0, rounded=True, rounded_curl_deg=45.0), standing(1.0))
    poses = animate(motion, fps=30.0, view=CameraView.SIDE_FACING_LEFT, image_size=(320, 240), seed=3)
    recording = save_recording(tmp_path / "hinges.npz", poses, source="hinges", estimator="synthetic", fps=30.0)
    shown: list[tuple[float, str]] = []
    submit = AnnotatedVideo.submit

    def record(self: AnnotatedVideo, image, pose, state, text, hold=()):  # type: ignore[no-untyped-def]
        shown.append((pose.t_s, text.cue))
        submit(self, image, pose, state, text, hold)

    monkeypatch.setattr(AnnotatedVideo, "submit", record)
    outputs = run_review(recording, "hip_hinge", out_dir=tmp_path / "out", speech=SilentSpeech())
    cues = outputs.result.cues
    warning = next(c for c in cues if c.kind is CueKind.SAFETY)
    assert any(c.kind is CueKind.COUNT and warning.t_s < c.t_s < warning.t_s + 2.5 for c in cues), cues

    def caption_at(t_s: float) -> str:
        return min(shown, key=lambda s: abs(s[0] - t_s))[1]

    # It stays on screen while it is said, until a newer warning (here the rounded-back lift to avoid).
    later = [c.t_s for c in cues if c.kind is CueKind.SAFETY and c.t_s > warning.t_s]
    assert caption_at(warning.t_s + 1.0) == warning.text
    assert caption_at(min([warning.t_s + 2.5, *(t - 0.2 for t in later)])) == warning.text
    assert caption_at(0.5) == PAIN_RULE
