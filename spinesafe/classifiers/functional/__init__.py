"""The physiotherapist's standard functional tests scored from pose: 30-second chair stand, five
times sit-to-stand, 4-stage balance, Timed Up and Go and the SPPB (issue 15).

:mod:`.norms` holds the published cut-offs with their sources; :mod:`.body` the per-frame
measures; one module per test family; :class:`.scorer.FunctionalTestScorer` watches frames and
scores a test at the end.
"""

from spinesafe.classifiers.functional.results import (
    TEST_ALIASES,
    TEST_EXERCISES,
    FunctionalResult,
    FunctionalTest,
    NormCheck,
    PhaseSpan,
    Sex,
    parse_sex,
    parse_test_id,
)
from spinesafe.classifiers.functional.scorer import FunctionalTestScorer, score_frames

__all__ = [
    "TEST_ALIASES",
    "TEST_EXERCISES",
    "FunctionalResult",
    "FunctionalTest",
    "FunctionalTestScorer",
    "NormCheck",
    "PhaseSpan",
    "Sex",
    "parse_sex",
    "parse_test_id",
    "score_frames",
]
