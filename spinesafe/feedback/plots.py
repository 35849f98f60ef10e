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

from spinesafe.classifiers.exercises import exercise_name
from spinesafe.feedback.result import SessionResult
from spinesafe.feedback.store import ExerciseTotals

if TYPE_CHECKING:
    from matplotlib.axes import Axes
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
    """The clinician's progress plot as PNG (see :func:`progress_figure`)."""
    return _png(progress_figure(totals))


# Sessions within this span share one day's axis (time of day); longer spans get a date axis.
ONE_DAY = timedelta(hours=24)
PANEL_HEIGHT_IN = 2.6  # each exercise's panel; the figure grows with the number of exercises


def progress_figure(totals: Sequence[ExerciseTotals]) -> Figure:
    """One panel per exercise (by its display name), one point per session: counted reps (left
    axis), mean range of motion (right axis), and the sessions with back-rounding events marked
    with their number (and how many reached stop). Sessions on one day are placed by time of day
    (hours:minutes, the day in the axis label); over longer spans by date. Times are local."""
    from matplotlib.figure import Figure

    by_exercise: dict[str, list[ExerciseTotals]] = {}
    for total in sorted(totals, key=lambda t: t.started_at):
        by_exercise.setdefault(total.exercise, []).append(total)
    names = sorted(by_exercise, key=exercise_name)
    figure = Figure(figsize=(10, 0.8 + PANEL_HEIGHT_IN * max(1, len(names))), layout="constrained")
    axes = figure.subplots(max(1, len(names)), 1, sharex=True, squeeze=False)[:, 0]
    if not names:
        axes[0].text(0.5, 0.5, "No sessions in this period", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
        return figure
    for ax, exercise in zip(axes, names, strict=True):
        _exercise_panel(ax, exercise_name(exercise), by_exercise[exercise])
    _time_axis(axes[-1], [_local_naive(t.started_at) for t in totals])
    return figure


def _local_naive(moment: datetime) -> datetime:
    """``moment`` in the computer's local time, without a zone (what matplotlib plots as is)."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def _exercise_panel(ax: Axes, name: str, rows: Sequence[ExerciseTotals]) -> None:
    from matplotlib.dates import date2num
    from matplotlib.ticker import MaxNLocator

    times = date2num([_local_naive(r.started_at) for r in rows])
    reps = [r.reps for r in rows]
    ax.plot(times, reps, marker="o", color=BLUE, label="reps counted")
    ax.set_ylabel("reps")
    # Reps in the lower half of the panel (room for the rounding labels), range of motion in the upper part.
    ax.set_ylim(bottom=0, top=max([*reps, 1]) * 1.9)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    rom_ax = ax.twinx()
    rom = [np.nan if r.mean_range_of_motion_deg is None else r.mean_range_of_motion_deg for r in rows]
    rom_ax.plot(times, rom, marker="s", linestyle="--", color=ORANGE, label="mean range of motion (°)")
    rom_ax.set_ylabel("range of motion (°)")
    rom_ax.set_ylim(bottom=0, top=max([v for v in rom if np.isfinite(v)] + [10.0]) * 1.1)
    flagged = [(t, r) for t, r in zip(times, rows, strict=True) if r.flexion_events]
    if flagged:
        ax.plot(
            [float(t) for t, _ in flagged],
            [r.reps for _, r in flagged],
            linestyle="none",
            marker="^",
            markersize=10,
            color=VERMILION,
            label="back rounding (events in the session)",
        )
        for t, r in flagged:
            text = f"{r.flexion_events} rounding" + (f", {r.stop_events} stop" if r.stop_events else "")
            ax.annotate(
                text,
                (float(t), r.reps),
                xytext=(0, 9),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color=VERMILION,
            )
    sessions = len(rows)
    ax.set_title(f"{name} — {sessions} session{'s' if sessions != 1 else ''}", fontsize=11, loc="left")
    handles = ax.get_legend_handles_labels()
    rom_handles = rom_ax.get_legend_handles_labels()
    ax.legend(handles[0] + rom_handles[0], handles[1] + rom_handles[1], fontsize=8, loc="lower left", ncols=3)


def _time_axis(ax: Axes, times: Sequence[datetime]) -> None:
    """Hours and minutes when every session is on one day, else dates; padded so no point sits on the edge."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter

    first, last = min(times), max(times)
    one_day = first.date() == last.date()
    if one_day:
        pad = max((last - first) * 0.08, timedelta(minutes=30))
        locator = AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(DateFormatter("%H:%M"))
        ax.set_xlabel(f"time of day, {first:%A %d %B %Y}")
    else:
        pad = max((last - first) * 0.05, timedelta(hours=12))
        locator = AutoDateLocator(minticks=3, maxticks=9)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.set_xlabel("date")
    from matplotlib.dates import date2num

    ax.set_xlim(date2num(first - pad), date2num(last + pad))
