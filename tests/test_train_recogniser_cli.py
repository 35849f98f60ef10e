"""``spinesafe train-recogniser``: the cross-validation report a person reads."""

from __future__ import annotations

import pytest

from spinesafe.cli import main
from spinesafe.commands.train_recogniser import confusion_table, per_class_accuracy, seed_spread
from spinesafe.lab.recogniser_training import CrossValidation


def test_confusion_table_rows_are_truth_columns_predictions_only_labels_that_occur() -> None:
    table = confusion_table({"squat": {"squat": 3, "push_up": 1}, "sit_up": {"crunch": 1}})
    assert table.splitlines() == [
        "true \\ predicted  1  2  3  4",
        " 1 crunch         .  .  .  .",
        " 2 push_up        .  .  .  .",
        " 3 sit_up         1  .  .  .",
        " 4 squat          .  1  .  3",
    ]


def test_confusion_table_of_nothing() -> None:
    assert confusion_table({}) == "(no clips)"


def test_per_class_accuracy_names_the_mistakes() -> None:
    cv = CrossValidation(
        per_clip=[
            ("a.mp4", "squat", "squat", 0.9),
            ("b.mp4", "squat", "sit_to_stand", 0.6),
            ("c.mp4", "crunch", "crunch", 0.8),
        ],
        accuracy=2 / 3,
        confusion={},
        seconds=1.0,
    )
    assert per_class_accuracy(cv).splitlines() == [
        "per-class clip accuracy:",
        "  crunch  1/1  1.00",
        "  squat   1/2  0.50  (taken for sit_to_stand)",
        "unsafe patterns: 1/1 unsafe clips recognised as an unsafe pattern, 0/2 safe clips taken for one",
    ]


def test_seed_spread_gives_the_mean_and_the_clips_that_flip() -> None:
    def run(b_predicted: str, c_predicted: str) -> CrossValidation:
        per_clip = [
            ("a.mp4", "squat", "squat", 0.9),
            ("b.mp4", "row", b_predicted, 0.6),
            ("c.mp4", "lunge", c_predicted, 0.5),
        ]
        right = sum(1 for _, t, p, _ in per_clip if t == p)
        return CrossValidation(per_clip=per_clip, accuracy=right / 3, confusion={}, seconds=1.0)

    lines = seed_spread([run("squat", "lunge"), run("squat", "squat"), run("squat", "lunge")]).splitlines()
    assert lines[0] == (
        "leave-one-source-out over 3 synthetic seeds: 1.7/3 clips right on average (min 1, max 2; mean accuracy 0.556)"
    )
    assert [line.split() for line in lines[1:]] == [
        ["b", "wrong", "in", "3", "of", "3", "seeds"],
        ["c", "wrong", "in", "1", "of", "3", "seeds"],
    ]


def test_seeds_must_be_a_sensible_count(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train-recogniser", "corpus", "--cross-validate", "--seeds", "0"])
    assert exit_info.value.code == 2
    assert "expected a whole number of seeds from 1 to 50, got '0'" in capsys.readouterr().err


def test_a_clip_is_in_the_validation_part_by_its_source() -> None:
    from spinesafe.lab.corpus_split import part, validation_part, validation_sources

    held_out = sorted(validation_sources())[0]
    assert validation_part({"file": "a.mp4", "source": {"source_repo": held_out}})
    assert part({"file": "b.mp4", "source": {"source_repo": "someone/else"}}) == "tuning"
    with pytest.raises(ValueError, match=r"source\.source_repo"):
        validation_part({"file": "c.mp4"})


def test_part_summary_reports_each_part_and_the_held_out_model() -> None:
    from spinesafe.commands.train_recogniser import part_summary

    per_clip = [
        ("t1.mp4", "squat", "squat", 0.9),
        ("t2.mp4", "row", "unknown", 0.8),
        ("v1.mp4", "lunge", "lunge", 0.7),
    ]
    parts = {"t1.mp4": "tuning", "t2.mp4": "tuning", "v1.mp4": "validation"}
    cv = CrossValidation.of(per_clip, 1.0, parts)
    holdout = CrossValidation.of([("v1.mp4", "lunge", "squat", 0.6)], 1.0, {"v1.mp4": "validation"})
    assert part_summary(cv, holdout).splitlines() == [
        "tuning part (leave-one-clip-out): 1/2 = 0.500; wrong: t2 (unknown)",
        "validation part (leave-one-clip-out): 1/1 = 1.000",
        "validation part, model trained on the tuning part only: 0/1 = 0.000; wrong: v1 (squat)",
    ]


def test_a_model_storing_the_corpus_is_never_written_into_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    # The corpus's windows are derived from videos that are not the project's to ship.
    from spinesafe.commands.train_recogniser import PACKAGED_MODEL

    before = PACKAGED_MODEL.read_bytes()
    assert main(["train-recogniser", "corpus", "--with-people"]) != 0
    assert "must not be shipped" in capsys.readouterr().out
    assert PACKAGED_MODEL.read_bytes() == before


def test_the_packaged_model_stores_no_real_persons_windows() -> None:
    from spinesafe.classifiers.recogniser import RecogniserModel
    from spinesafe.lab.recogniser_training import synthetic_dataset

    assert len(RecogniserModel.load().neighbour_labels) == len(synthetic_dataset().y)
