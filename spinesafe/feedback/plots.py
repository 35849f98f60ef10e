"""Plots for the HTML reports, rendered off-screen (matplotlib's Agg canvas) to PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` directly, never through ``pyplot``, so no
window or global state is involved and plots can be made from any thread. Colours are the
Okabe-Ito colour-blind-safe palette the overlay uses; shaded spans also carry words or hatching.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.store import ExerciseTotals

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILION = "#D55E00"
SKY = "#56B4E9"
GREEN = "#009E73"
PURPLE = "#CC79A7"
GREY = "#777777"
PALETTE = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILION)

MAX_POINTS = 4000  # a long session is thinned to this many points per line (the plot is ~1000 px wide)


def _png(figure: Figure, dpi: int = 100) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # attaches itself to the figure: off-screen, no pyplot
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _thin(*columns: np.ndarray) -> tuple[np.ndarray, ...]:
    n = len(columns[0])
    if n <= MAX_POINTS:
        return columns
    step = int(np.ceil(n / MAX_POINTS))
    return tuple(c[::step] for c in columns)


def timeline_png(result: SessionResult) -> bytes:
    """Two panels over time: the exercise's primary angle with each rep shaded (partial reps hatched),
    and trunk flexion against neutral (with trunk inclination) with flexion events shaded."""
    from matplotlib.figure import Figure

    series = result.series
    t, primary, flexion, inclination = _thin(
        series.column("t_s"),
        series.column("primary_deg"),
        series.column("flexion_deg"),
        series.column("trunk_inclination_deg"),
    )
    figure = Figure(figsize=(10, 5.2), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.plot(t, primary, color=BLUE, linewidth=1.4)
    for rep in result.reps:
        colour = ORANGE if rep.complete else GREY
        top.axvspan(rep.start_s, rep.end_s, color=colour, alpha=0.18, hatch=None if rep.complete else "//", lw=0)
        top.axvline(rep.start_s, color=colour, linewidth=0.8, alpha=0.7)
        top.axvline(rep.end_s, color=colour, linewidth=0.8, alpha=0.7)
        label = str(rep.number) if rep.complete else "partial"
        top.annotate(
            label,
            xy=((rep.start_s + rep.end_s) / 2, 1.0),
            xycoords=("data", "axes fraction"),
            ha="center",
            va="bottom",
            fontsize=8,
            color="black",
        )
    top.set_ylabel(f"{result.spec.signal} angle (deg)")
    top.set_title("Reps (shaded; the number is the rep)", fontsize=10, loc="left", pad=14)
    top.grid(alpha=0.3)

    bottom.plot(t, flexion, color=VERMILION, linewidth=1.4, label="trunk flexion vs neutral")
    bottom.plot(t, inclination, color=GREY, linewidth=1.0, linestyle="--", label="trunk lean from vertical")
    for event in result.flexion_events:
        bottom.axvspan(event.start_s, event.end_s, color=VERMILION, alpha=0.25, hatch="xx", lw=0)
        bottom.annotate(
            f"{event.severity.value} {event.peak_deg:.0f}°",
            xy=(event.peak_s, event.peak_deg),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            color=VERMILION,
        )
    bottom.set_ylabel("degrees")
    bottom.set_xlabel("time (s)")
    bottom.set_title("Back: rounding events shaded", fontsize=10, loc="left")
    bottom.grid(alpha=0.3)
    bottom.legend(loc="best", fontsize=8)
    if len(t):
        bottom.set_xlim(float(t[0]), float(max(t[-1], t[0] + 1e-3)))
    return _png(figure)


def progress_png(totals: Sequence[ExerciseTotals]) -> bytes:
    """Three panels over sessions (by date), one line per exercise: reps, mean range of motion, and
    spinal-flexion events (all, and the ``stop`` ones)."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10, 7.5), layout="constrained")
    reps_ax, rom_ax, flex_ax = figure.subplots(3, 1, sharex=True)
    exercises = sorted({t.exercise for t in totals})
    for i, exercise in enumerate(exercises):
        rows = [t for t in totals if t.exercise == exercise]
        dates: list[datetime] = [r.started_at for r in rows]
        colour = PALETTE[i % len(PALETTE)]
        reps_ax.plot(dates, [r.reps for r in rows], marker="o", color=colour, label=exercise)
        rom = [np.nan if r.mean_range_of_motion_deg is None else r.mean_range_of_motion_deg for r in rows]
        rom_ax.plot(dates, rom, marker="s", color=colour, label=exercise)
        flex_ax.plot(dates, [r.flexion_events for r in rows], marker="^", color=colour, label=f"{exercise}: all")
        flex_ax.plot(
            dates,
            [r.stop_events for r in rows],
            marker="v",
            color=colour,
            linestyle=":",
            label=f"{exercise}: stop",
        )
    reps_ax.set_ylabel("reps")
    reps_ax.set_title("Counted reps per session", fontsize=10, loc="left")
    rom_ax.set_ylabel("degrees")
    rom_ax.set_title("Mean range of motion per session", fontsize=10, loc="left")
    flex_ax.set_ylabel("events")
    flex_ax.set_title("Spinal flexion events per session (fewer is better)", fontsize=10, loc="left")
    for ax in (reps_ax, rom_ax, flex_ax):
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
        if exercises:
            ax.legend(fontsize=8, loc="upper left", ncols=min(4, max(1, len(exercises))))
    for ax in (reps_ax, flex_ax):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if totals:
        first, last = min(t.started_at for t in totals), max(t.started_at for t in totals)
        pad = max((last - first) * 0.05, timedelta(hours=12))
        flex_ax.set_xlim(first - pad, last + pad)
    locator = AutoDateLocator()
    flex_ax.xaxis.set_major_locator(locator)
    flex_ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return _png(figure)
