"""One object that watches a test being done and scores it at the end: frames in, a result out."""

from __future__ import annotations

from spinesafe.classifiers.features import FrameFeatures, compute_features
from spinesafe.classifiers.functional.balance import score_four_stage_balance
from spinesafe.classifiers.functional.body import BodySample, sample_frame
from spinesafe.classifiers.functional.chair_stand import score_chair_stand_30s, score_five_times_sit_to_stand
from spinesafe.classifiers.functional.results import FunctionalResult, FunctionalTest, Sex
from spinesafe.classifiers.functional.sppb import score_sppb
from spinesafe.classifiers.functional.walking import score_tug
from spinesafe.pose.frame import PoseFrame


class FunctionalTestScorer:
    """Collects the per-frame measures of a test (``update`` every frame) and scores it (``result``).

    The measures are a few numbers a frame (~200 bytes; an SPPB of 5 minutes at 30 fps is ~2 MB).
    ``age`` and ``sex`` select the 30-second chair stand's norm row.
    """

    def __init__(
        self, test: FunctionalTest, *, age: int | None = None, sex: Sex | None = None, go_s: float | None = None
    ) -> None:
        self.test = test
        self.go_s = go_s  # a live test's spoken "Go" starts its clock; a recording's, the first lean
        self.age = age
        self.sex = sex
        self.samples: list[BodySample] = []
        self.features: list[FrameFeatures] = []

    def update(self, frame: PoseFrame, features: FrameFeatures | None = None) -> None:
        features = features if features is not None else compute_features(frame)
        self.samples.append(sample_frame(frame, features))
        self.features.append(features)

    def result(self) -> FunctionalResult:
        s, f = self.samples, self.features
        if self.test is FunctionalTest.CHAIR_STAND_30S:
            return score_chair_stand_30s(s, f, age=self.age, sex=self.sex, go_s=self.go_s)
        if self.test is FunctionalTest.FIVE_TIMES_SIT_TO_STAND:
            return score_five_times_sit_to_stand(s, f, go_s=self.go_s)
        if self.test is FunctionalTest.FOUR_STAGE_BALANCE:
            return score_four_stage_balance(s)
        if self.test is FunctionalTest.TIMED_UP_AND_GO:
            return score_tug(s, go_s=self.go_s)
        return score_sppb(s, f)


def score_frames(
    test: FunctionalTest, frames: list[PoseFrame], *, age: int | None = None, sex: Sex | None = None
) -> FunctionalResult:
    """Score ``test`` over a whole sequence of frames."""
    scorer = FunctionalTestScorer(test, age=age, sex=sex)
    for frame in frames:
        scorer.update(frame)
    return scorer.result()
