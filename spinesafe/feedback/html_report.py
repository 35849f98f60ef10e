"""Self-contained HTML reports: one file that opens from an e-mail attachment with no network.

CSS is inline, pictures are ``data:`` URIs (PNG plots, JPEG key frames), and a Content Security
Policy forbids the page from loading anything else. Two reports:

- :func:`session_html`: one session for the patient and their physiotherapist (summary, per-rep
  table, timeline plot, key frames, camera views, plain-language notes).
- :func:`clinician_html`: a patient's sessions over a period with progress plots.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from spinesafe.classifiers.events import FlexionEnded
from spinesafe.classifiers.exercises import exercise_name
from spinesafe.feedback.cues import PAIN_RULE
from spinesafe.feedback.report import FLEXION_METHOD_NOTE, thresholds_text
from spinesafe.feedback.result import JUDGED_VIEWS, SessionResult
from spinesafe.feedback.store import ExerciseTotals, SessionSummary

if TYPE_CHECKING:
    from spinesafe.feedback.functional_history import StoredTest

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
:root { --ink: #1b1b1b; --muted: #555; --line: #d0d0d0; --warn: #D55E00; --ok: #0072B2; --bg: #fafafa; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       margin: 0; background: var(--bg); font-size: 17px; line-height: 1.5; }
main { max-width: 1060px; margin: 0 auto; padding: 24px; background: #fff; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 32px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.card .n { font-size: 1.9em; font-weight: 700; }
.card .l { color: var(--muted); font-size: 0.9em; }
.card.warn { border-color: var(--warn); }
.card.warn .n { color: var(--warn); }
.callout { border-left: 6px solid var(--ok); background: #eef5fb; padding: 10px 16px; margin: 12px 0; }
.callout.warn { border-color: var(--warn); background: #fdf0e8; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 0.95em; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flag td { background: #fdf0e8; }
img.plot { width: 100%; height: auto; border: 1px solid var(--line); }
.frames { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; flex: 1 1 300px; max-width: 500px; }
figure img { width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 0.9em; color: var(--muted); }
footer { color: var(--muted); font-size: 0.85em; margin-top: 32px; }
details summary { cursor: pointer; }
"""


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _num(value: object, fmt: str = "{:.1f}") -> str:
    return "–" if value is None else escape(fmt.format(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int], flagged: set[int]) -> str:
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers))
    lines = []
    for r, row in enumerate(rows):
        cells = "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row))
        lines.append(f"<tr{' class=flag' if r in flagged else ''}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _card(number: str, label: str, warn: bool = False) -> str:
    return f'<div class="card{" warn" if warn else ""}"><div class="n">{number}</div><div class="l">{label}</div></div>'


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y, %H:%M")


def patient_notes(flexion_events: int, main_view: str) -> list[str]:
    """Plain-language notes every report carries: the pain rule, how the back is judged, what to do."""
    notes = [
        f"<strong>The pain rule.</strong> {escape(PAIN_RULE)} Stop the exercise if you feel sharp or sudden pain, "
        "and tell your physiotherapist or doctor.",
        "<strong>How your back is checked.</strong> The camera finds 33 points on your body (shoulders, hips, "
        "ears, knees and so on) but it cannot see your spine itself. spinesafe estimates rounding of the back "
        "from how your head, shoulders and hips line up compared with your own upright posture. Bending at the "
        "hips with a straight back is <em>not</em> counted as rounding. It is an estimate: a side view works "
        "best, and from the front rounding is not judged at all.",
        "<strong>Bend at your hips, not your back.</strong> Keep your chest up and your chin gently tucked, move "
        "slowly and with control, breathe out as you lift, and keep a chair or counter within reach.",
    ]
    if flexion_events:
        notes.append(
            f"<strong>Rounding was seen {flexion_events} time{'s' if flexion_events != 1 else ''}.</strong> "
            "Look at the marked reps and pictures below with your physiotherapist. Rounded-back bending under "
            "load is the movement people with osteoporosis are advised to avoid."
        )
    if main_view not in JUDGED_VIEWS:
        notes.append(
            f"<strong>Camera view.</strong> You were mostly seen from the {escape(main_view)}, from where "
            "back rounding cannot be judged. Next time, place the camera to your side, about 2-3 m away."
        )
    return notes


def _session_tests_section(report: dict[str, Any]) -> list[str]:
    """The functional tests scored in this session: result, the norm and its source, phases, notes."""
    parts: list[str] = []
    for test in report.get("tests", []):
        norm = test.get("norm") or {}
        figures = [
            f"{test['count']} stands" if test.get("count") is not None else "",
            f"stage {test['stage_reached']} reached" if test.get("stage_reached") is not None else "",
            f"{test['time_s']:.1f} s" if test.get("time_s") is not None else "",
            f"score {test['score']:g}"
            if test.get("score") is not None and test.get("score") != test.get("time_s")
            else "",
        ]
        parts.append(f"<h2>{escape(str(test['name']))}</h2>")
        parts.append(f"<p><strong>{escape(', '.join(f for f in figures if f) or 'no result')}</strong></p>")
        if norm:
            warn = ' class="callout"' if norm.get("flag") else ""
            parts.append(
                f"<p{warn}>Norm: {escape(norm['cutoff'])} &rarr; {escape(norm['verdict'])} "
                f"<br><small>Source: {escape(norm['source'])}</small></p>"
            )
        if test.get("phases"):
            rows = [
                [escape(p["name"]), _num(p["start_s"], "{:.2f}"), _num(p["end_s"], "{:.2f}")] for p in test["phases"]
            ]
            parts.append(_table(["phase", "start (s)", "end (s)"], rows, numeric={1, 2}, flagged=set()))
        if test.get("notes"):
            parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in test["notes"]) + "</ul>")
    return parts


def session_html(result: SessionResult, report: dict[str, Any]) -> str:
    """The report of one session as a self-contained HTML page."""
    parts = _summary_section(result, report)
    parts += _session_tests_section(report)
    if report.get("exercise_recognised"):
        parts += _segments_section(report)
    parts.append("<h2>Notes for you</h2>")
    parts += [f'<p class="callout">{note}</p>' for note in patient_notes(len(result.flexion_events), result.main_view)]
    parts += _timeline_section(result)
    parts += _reps_section(report)
    parts += _events_section(result)
    parts += _key_frames_section(result)
    parts += _views_section(result)
    parts += _footer(result, report)
    return _page(f"{result.spec.name} — {result.source}", "\n".join(parts))


def _summary_section(result: SessionResult, report: dict[str, Any]) -> list[str]:
    """Title, the numbers at a glance, and warnings about the input."""
    spec = result.spec
    stop = sum(1 for e in result.flexion_events if e.severity.value == "stop")
    flex_n = len(result.flexion_events)
    segments = report.get("segments", [])
    several = len(segments) > 1
    title = " then ".join(s["exercise_name"] for s in segments) if several else spec.name
    parts = [
        f"<h1>{escape(title)} — session report</h1>",
        f'<p class="sub">{escape(result.patient)} · {escape(_local(result.started_at))} · '
        f"{escape(result.mode)} of <strong>{escape(result.source)}</strong> · {result.duration_s:.1f} s</p>",
        '<div class="cards">',
        _card(str(result.rep_count), f"reps counted ({escape(spec.name)})" if several else "reps counted"),
        _card(str(report["partial_rep_count"]), "partial reps (not counted)"),
        _card(str(flex_n), f"back-rounding events ({stop} stop)", warn=flex_n > 0),
        *(
            [_card(str(len(result.unsafe_movements)), "movements to avoid", warn=True)]
            if result.unsafe_movements
            else []
        ),
        _card(f"{result.duration_s:.0f} s", "duration"),
        _card(escape(result.main_view), "main camera view"),
        "</div>",
    ]
    if not report["person_detected"]:
        parts.append('<p class="callout warn">No person was found in the video: nothing could be counted.</p>')
    if result.truncated:
        parts.append(
            '<p class="callout warn">The video ended early (truncated or damaged): only the readable part '
            "was analysed.</p>"
        )
    return parts


def _timeline_section(result: SessionResult) -> list[str]:
    """The primary angle and trunk flexion over time."""
    from spinesafe.feedback.plots import timeline_png

    parts: list[str] = []
    parts.append("<h2>Timeline</h2>")
    if len(result.series):
        parts.append(
            f'<img class="plot" alt="Timeline of the primary angle and trunk flexion" '
            f'src="{_data_uri(timeline_png(result), "image/png")}">'
        )
    else:
        parts.append("<p>No frames were analysed.</p>")
    return parts


def _reps_section(report: dict[str, Any]) -> list[str]:
    """The per-rep table (with each rep's segment when there are several)."""
    segments = report.get("segments", [])
    several = len(segments) > 1
    parts: list[str] = []
    parts.append("<h2>Repetitions</h2>")
    rows, flagged = [], set()
    listed = [(s, rep) for s in segments for rep in s["reps"]] if several else [(None, r) for r in report["reps"]]
    for i, (segment, rep) in enumerate(listed):
        if rep["flags"]:
            flagged.add(i)
        lead = [escape(f"{segment['number']}: {segment['exercise_name']}")] if segment is not None else []
        rows.append(
            [
                *lead,
                escape(str(rep["number"]) if rep["complete"] else "partial"),
                _num(rep["start_s"], "{:.1f}"),
                _num(rep["duration_s"], "{:.1f}"),
                _num(rep["range_of_motion_deg"], "{:.0f}"),
                _num(rep["peak_trunk_flexion_deg"], "{:.0f}"),
                escape("; ".join(rep["flags"])) or "–",
            ]
        )
    if rows:
        headers = ["rep", "start (s)", "duration (s)", "range of motion (°)", "peak trunk flexion (°)", "flags"]
        shift = 1 if several else 0
        parts.append(
            _table(
                ["segment", *headers] if several else headers,
                rows,
                numeric={1 + shift, 2 + shift, 3 + shift, 4 + shift},
                flagged=flagged,
            )
        )
    else:
        parts.append("<p>No repetitions were found.</p>")
    return parts


def severity_text(event: FlexionEnded) -> str:
    """The severity column: the peak's, and when a caution episode grew into a stop one."""
    if event.stop_s is not None and event.stop_s > event.start_s:
        return f"{event.severity.value} (from caution; stop at {event.stop_s:.1f} s)"
    return event.severity.value


def _events_section(result: SessionResult) -> list[str]:
    """Back-rounding events, twists, movements to avoid and holds."""
    parts: list[str] = []
    parts.append("<h2>Back rounding (spinal flexion) events</h2>")
    parts.append(f"<p>{escape(thresholds_text(result))}</p>")
    if result.flexion_events:
        parts.append(
            _table(
                ["start (s)", "end (s)", "peak (°)", "severity", "judged from"],
                [
                    [
                        _num(e.start_s),
                        _num(e.end_s),
                        _num(e.peak_deg, "{:.0f}"),
                        escape(severity_text(e)),
                        escape(f"{e.view} view"),
                    ]
                    for e in result.flexion_events
                ],
                numeric={0, 1, 2},
                flagged=set(range(len(result.flexion_events))),
            )
        )
    else:
        parts.append("<p>None seen" + ("" if result.main_view in JUDGED_VIEWS else " (see the camera view)") + ".</p>")
    if result.twist_events:
        parts.append(f"<p>Trunk twisting was seen {len(result.twist_events)} time(s).</p>")
    parts += _unsafe_section(result)
    if result.holds:
        parts.append(
            _table(
                ["hold", "start (s)", "held (s)", "target (s)", "reached"],
                [
                    [
                        escape(h.exercise),
                        _num(h.start_s),
                        _num(h.held_s),
                        _num(h.target_s),
                        "yes" if h.complete else "no",
                    ]
                    for h in result.holds
                ],
                numeric={1, 2, 3},
                flagged=set(),
            )
        )
    return parts


def _key_frames_section(result: SessionResult) -> list[str]:
    """Pictures of the deepest rep and the flexion peaks."""
    parts: list[str] = []
    parts.append("<h2>Key moments</h2>")
    if result.key_frames:
        parts.append('<div class="frames">')
        for frame in result.key_frames:
            parts.append(
                f'<figure><img alt="{escape(frame.label)}" src="{_data_uri(frame.jpeg, "image/jpeg")}">'
                f"<figcaption>{escape(frame.label)} (at {frame.t_s:.1f} s)</figcaption></figure>"
            )
        parts.append("</div>")
    elif result.pictures_withheld:
        parts.append(
            "<p>No pictures: this report was written without pictures of the person (--no-video or --no-pictures).</p>"
        )
    elif result.mode == "replay":
        parts.append("<p>No pictures: this session was replayed from a landmark recording, which holds no images.</p>")
    else:
        parts.append("<p>No pictures: there was no rep or back-rounding event to show.</p>")
    return parts


def _views_section(result: SessionResult) -> list[str]:
    """Which view the person was seen from, and what it allows."""
    parts: list[str] = []
    parts.append("<h2>Camera view</h2>")
    views = result.view_counts
    total = sum(views.values()) or 1
    parts.append(
        "<p>Frames by the view the person was seen from: "
        + ", ".join(f"{escape(v)} {100 * n / total:.0f}%" for v, n in sorted(views.items(), key=lambda x: -x[1]))
        + (". " if views else "none. ")
        + "Back rounding is judged only from a side or oblique view; each event above says which view it came "
        "from.</p>"
    )
    for warning in result.view_warnings:
        parts.append(
            f'<p class="callout warn">{escape(warning.judgement.capitalize())} cannot be judged from a '
            f"{escape(warning.view)} view (at {warning.t_s:.1f} s). {escape(warning.advice)}</p>"
        )
    return parts


def _footer(result: SessionResult, report: dict[str, Any]) -> list[str]:
    """Analysis notes, the cues given, how flexion is inferred, versions."""
    parts: list[str] = []
    if result.notes:
        parts.append("<h2>Analysis notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in result.notes) + "</ul>")
    cues = "".join(
        f"<tr><td class=num>{c.t_s:.1f}</td><td>{escape(c.kind.value)}</td><td>{escape(c.text)}</td></tr>"
        for c in result.cues
    )
    parts.append(
        f"<details><summary>Cues given ({len(result.cues)})</summary><table><thead><tr><th class=num>time (s)</th>"
        f"<th>kind</th><th>words</th></tr></thead><tbody>{cues}</tbody></table></details>"
    )
    calibration = report["calibration"]
    parts.append(
        f"<footer><p>How flexion is inferred: {escape(FLEXION_METHOD_NOTE)}</p>"
        f"<p>Calibration: {escape(str(calibration['note']))}. spinesafe {escape(str(report['app_version']))}, "
        f"pose model {escape(result.estimator)}, report schema {escape(str(report['schema']))}.</p></footer>"
    )
    return parts


def _unsafe_section(result: SessionResult) -> list[str]:
    """Movements to avoid (toe touch, sit-up, crunch, rounded-back lift) seen, whatever the exercise."""
    parts = ["<h2>Movements to avoid</h2>"]
    episodes = result.unsafe_movements
    if not episodes:
        parts.append(
            "<p>None recognised (toe touches, sit-ups, crunches and rounded-back lifts are watched for in "
            "every exercise).</p>"
        )
        return parts
    parts.append(
        '<p class="callout warn"><strong>A movement people with osteoporosis are advised to avoid was '
        f"recognised {len(episodes)} time{'s' if len(episodes) != 1 else ''}.</strong> These movements bend "
        "the spine forward to its end range, repeatedly or under load, which is linked to spinal fractures. "
        "Talk to your physiotherapist about a safer alternative.</p>"
    )
    rows = [
        [
            escape(exercise_name(e.pattern)),
            _num(e.start_s),
            _num(e.end_s),
            _num(e.warned_s),
            _num(e.confidence, "{:.2f}"),
        ]
        for e in episodes
    ]
    headers = ["movement", "from (s)", "to (s)", "warned at (s)", "confidence"]
    parts.append(_table(headers, rows, numeric={1, 2, 3, 4}, flagged=set(range(len(rows)))))
    return parts


def _segments_section(report: dict[str, Any]) -> list[str]:
    """Which exercise was done when (``--exercise auto``): a table of the segments."""
    segments = report["segments"]
    parts = ["<h2>Exercises in this video</h2>"]
    if len(segments) > 1:
        parts.append(
            f'<p class="callout">The exercise was recognised automatically and the video has {len(segments)} '
            f"segments, each counted on its own. The numbers at the top are for {escape(report['exercise_name'])}, "
            "the exercise with the most time.</p>"
        )
    else:
        parts.append('<p class="callout">The exercise was recognised automatically.</p>')
    if any(not s["sure"] for s in segments):
        parts.append(
            '<p class="callout warn">Where it says "not sure", the recogniser could not tell the exercise; its reps '
            "are counted as the best guess shown. Review it with --exercise to be certain.</p>"
        )
    rows = []
    for s in segments:
        name = s["exercise_name"] if s["sure"] else f"not sure (best guess: {s['analysed_as'].replace('_', ' ')})"
        rows.append(
            [
                str(s["number"]),
                _num(s["start_s"]),
                _num(s["end_s"]),
                escape(name) + (" — an unsafe pattern" if s["unsafe_pattern"] else ""),
                _num(s["confidence"], "{:.2f}"),
                str(s["rep_count"]),
                str(s["partial_rep_count"]),
                str(len(s["flexion_events"])),
            ]
        )
    parts.append(
        _table(
            ["#", "from (s)", "to (s)", "exercise", "confidence", "reps", "partial reps", "back-rounding events"],
            rows,
            numeric={1, 2, 4, 5, 6, 7},
            flagged={i for i, s in enumerate(segments) if s["flexion_events"] or s["unsafe_pattern"] or not s["sure"]},
        )
    )
    parts.append(
        "<p>The recogniser is experimental (right on 44 of 49 corpus clips of people it had not seen; it learnt "
        "from synthetic motions): check the exercises against the video.</p>"
    )
    return parts


def _tests_section(tests: Sequence[StoredTest]) -> list[str]:
    """Each functional test's results by date, the cut-off applied and its source, and a plot."""
    if not tests:
        return []
    from spinesafe.feedback.functional_plots import functional_tests_png

    rows = []
    for t in tests:
        norm = t.result.get("norm") or {}
        rows.append(
            [
                escape(_local(t.taken_at)),
                escape(str(t.result.get("name", t.test))),
                _num(t.result.get("count"), "{:.0f}"),
                _num(t.result.get("time_s"), "{:.1f}"),
                _num(t.result.get("stage_reached"), "{:.0f}"),
                _num(t.result.get("score"), "{:g}"),
                escape(f"{norm.get('cutoff', '')} ({norm.get('source', '')})" if norm else "none"),
                escape(str(norm.get("verdict", ""))),
            ]
        )
    flagged = {i for i, t in enumerate(tests) if (t.result.get("norm") or {}).get("flag")}
    return [
        "<h2>Functional tests</h2>",
        f'<img class="plot" alt="Functional test results over time with the norm lines" '
        f'src="{_data_uri(functional_tests_png(tests), "image/png")}">',
        _table(
            ["date", "test", "stands", "time (s)", "stage", "score", "norm (source)", "verdict"],
            rows,
            numeric={2, 3, 4, 5},
            flagged=flagged,
        ),
    ]


def clinician_html(
    patient: str,
    since: datetime | None,
    until: datetime | None,
    sessions: Sequence[SessionSummary],
    totals: Sequence[ExerciseTotals],
    tests: Sequence[StoredTest] = (),
) -> str:
    """A patient's sessions over a period: table, progress plots (reps, range of motion, flexion events),
    and the functional tests' results over time with their norm lines."""
    from spinesafe.feedback.plots import progress_png

    period = (
        f"{_local(since) if since else 'the first session'} to {_local(until) if until else 'now'}"
        if sessions
        else "no sessions"
    )
    reps = sum(s.reps for s in sessions)
    flex = sum(s.flexion_events for s in sessions)
    unsafe = sum(s.unsafe_movements for s in sessions)
    rom_by_session: dict[int, list[float]] = {}
    for total in totals:
        if total.mean_range_of_motion_deg is not None:
            rom_by_session.setdefault(total.session_id, []).append(total.mean_range_of_motion_deg)
    parts = [
        f"<h1>Progress report — {escape(patient)}</h1>",
        f'<p class="sub">{len(sessions)} session(s), {escape(period)}</p>',
        '<div class="cards">',
        _card(str(len(sessions)), "sessions"),
        _card(str(reps), "reps counted"),
        _card(str(flex), "back-rounding events", warn=flex > 0),
        _card(str(unsafe), "movements to avoid", warn=unsafe > 0),
        "</div>",
        "<h2>Progress</h2>",
        f'<img class="plot" alt="Reps, range of motion and flexion events per session" '
        f'src="{_data_uri(progress_png(totals), "image/png")}">',
        "<h2>Sessions</h2>",
        _table(
            ["date", "mode", "source", "exercises", "reps", "mean ROM (°)", "flexion events", "to avoid", "status"],
            [
                [
                    escape(_local(s.started_at)),
                    escape(s.mode),
                    escape(s.source),
                    escape(", ".join(s.exercises)),
                    str(s.reps),
                    _num(
                        sum(rom_by_session[s.id]) / len(rom_by_session[s.id]) if s.id in rom_by_session else None,
                        "{:.0f}",
                    ),
                    str(s.flexion_events),
                    str(s.unsafe_movements),
                    escape(s.shown_status),
                ]
                for s in sessions
            ],
            numeric={4, 5, 6, 7},
            flagged={i for i, s in enumerate(sessions) if s.flexion_events or s.unsafe_movements},
        ),
        *_tests_section(tests),
        "<h2>Reading this report</h2>",
        f'<p class="callout">{escape(FLEXION_METHOD_NOTE)} Each session report says which camera view each '
        "judgement came from.</p>",
        f'<p class="callout">Sessions offer the pain rule to the patient: "{escape(PAIN_RULE)}"</p>',
        f"<footer><p>Made by spinesafe from the session history on this computer; nothing left it. Generated "
        f"{escape(_local(datetime.now().astimezone()))}.</p></footer>",
    ]
    return _page(f"Progress report — {patient}", "\n".join(parts))
