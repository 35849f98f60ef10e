"""The functional tests on the corpus's real sit-to-stand and TUG clips (landmarks from the cache that
`spinesafe eval` fills; skipped when the corpus or the cache is absent)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from spinesafe.lab.evaluation import default_cache_dir

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "eval_functional_tests.py"


@pytest.fixture(scope="module")
def summary() -> dict:
    if not (CORPUS / "manifest.json").is_file():
        pytest.skip(f"the corpus is not at {CORPUS}")
    cache = default_cache_dir()
    if not (cache / "sit_to_stand_tug_side_04.npz").is_file():
        pytest.skip(f"corpus landmarks not cached in {cache} (run `spinesafe eval` once)")
    spec = importlib.util.spec_from_file_location("eval_functional_tests", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate(CORPUS, cache)


def test_every_sit_to_stand_clip_has_its_stands_counted(summary: dict) -> None:
    scored = [c for c in summary["clips"] if "skipped" not in c]
    assert scored and all(c["count_exact"] for c in scored), summary["clips"]
    assert all(c["times_matched"] == len(c["manifest_times_s"]) for c in scored)


def test_the_real_tug_is_timed_within_half_a_second_of_the_eye(summary: dict) -> None:
    [tug] = [c["tug"] for c in summary["clips"] if "tug" in c]
    assert tug["within_tolerance"], tug
