"""The functional tests' progress plot for the clinician's report: each test's results over time
with its norm line (rendered off-screen like :mod:`spinesafe.feedback.plots`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from spinesafe.feedback.functional_history import StoredTest
from spinesafe.feedback.plots import BLUE, VERMILION, _png


def functional_tests_png(tests: Sequence[StoredTest]) -> bytes:
    """One panel per functional test: its results over time (stands, seconds, stage or score) and a
    dashed line at the norm's cut-off where one applies."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    ids = list(dict.fromkeys(t.test for t in tests))
    figure = Figure(figsize=(10, 2.6 * max(1, len(ids))), layout="constrained")
    axes = figure.subplots(max(1, len(ids)), 1, squeeze=False)[:, 0]
    for ax, test_id in zip(axes, ids, strict=False):
        rows = [t for t in tests if t.test == test_id]
        dates = [r.taken_at for r in rows]
        values = [np.nan if r.value is None else r.value for r in rows]
        ax.plot(dates, values, marker="o", color=BLUE, label="result")
        norm = next((r.result["norm"] for r in reversed(rows) if r.result.get("norm")), None)
        if norm and norm.get("threshold") is not None:
            ax.axhline(float(norm["threshold"]), color=VERMILION, linestyle="--", label=f"norm: {norm['cutoff']}")
        ax.set_title(str(rows[0].result.get("name", test_id)), fontsize=10, loc="left")
        ax.set_ylabel(TEST_UNITS.get(test_id, ""))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        if len(dates) == 1:
            ax.set_xlim(dates[0] - timedelta(days=1), dates[0] + timedelta(days=1))
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return _png(figure)


TEST_UNITS = {
    "chair_stand_30s": "stands in 30 s",
    "five_times_sit_to_stand": "seconds",
    "four_stage_balance": "stage reached",
    "timed_up_and_go": "seconds",
    "sppb": "points of 12",
}
