"""Exercise programmes: TOML files a physiotherapist writes, parsed once into frozen config.

A programme is a list of entries in three phases (warm-up, exercises, cool-down); each entry is
an exercise from the library with sets and reps (or holds of a given time, or a duration), the
rest between sets, tempo guidance and the per-patient spinal-flexion limits. The file format is
documented in README.md; ``samples/programs/`` has examples. Every error names the file, the key
and the allowed values, and exercise ids are checked against the library when the file is loaded.

Guidelines behind the defaults and the advice (Too Fit To Fracture, Giangregorio 2014; Royal
Osteoporosis Society, Strong, Steady and Straight 2022): strength 8-12 reps, 1-3 sets;
balance daily; back-extensor endurance holds of 3-5 s; slow, controlled movement.
"""

from __future__ import annotations

import enum
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from spinesafe.classifiers.exercises import EXERCISES, ExerciseSpec, Kind, analysed_as
from spinesafe.classifiers.flexion import FlexionConfig
from spinesafe.classifiers.functional.results import TEST_EXERCISES, FunctionalTest, parse_test_id
from spinesafe.errors import InputFileError, ProgrammeError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PROGRAMME_SUFFIX = ".toml"
DEFAULT_TEMPO = "Slow and controlled."
DEFAULT_REST_S = 60.0
# A controlled strength rep takes 2-4 s (TTF: slow and controlled); under ~1.5 s it is rushed.
DEFAULT_MIN_REP_S = 1.5
DEFAULT_STOP_FLEXION_DEG = 35.0
STOP_MARGIN_DEG = 10.0  # default stop threshold at least this far above the caution threshold

# Guideline ranges used for advice (not errors: the physiotherapist may prescribe otherwise).
TTF_REPS = (8, 12)
TTF_SETS = (1, 3)
TTF_BACK_HOLD_S = (3.0, 5.0)
BACK_EXTENSOR_HOLDS = ("back_extension_hold",)


class Phase(enum.Enum):
    """Where an entry sits in the session; the value is the TOML table name."""

    WARMUP = "warmup"
    MAIN = "exercise"
    COOLDOWN = "cooldown"

    @property
    def label(self) -> str:
        return {"warmup": "Warm-up", "exercise": "Exercise", "cooldown": "Cool-down"}[self.value]


@dataclass(frozen=True)
class ProgrammeEntry:
    """One exercise of a programme.

    Exactly one goal per set: ``reps`` counted reps, ``reps`` holds of ``hold_s`` seconds (hold
    exercises), or ``duration_s`` seconds (timed, e.g. warm-up marching). ``reps`` and
    ``duration_s`` both None means open-ended (counting until the person moves on).
    ``exercise`` is None for a free warm-up/cool-down entry that is only timed (not watched).
    """

    phase: Phase
    name: str
    how_to: str
    exercise: str | None
    sets: int = 1
    reps: int | None = None
    hold_s: float | None = None
    duration_s: float | None = None
    rest_s: float = DEFAULT_REST_S
    tempo: str = DEFAULT_TEMPO
    min_rep_s: float = DEFAULT_MIN_REP_S
    flexion: FlexionConfig = field(default_factory=FlexionConfig)
    # A standard functional test ([[test]], ``live --test``): scored by its own script, not by sets.
    test: FunctionalTest | None = None

    @property
    def spec(self) -> ExerciseSpec | None:
        """The library spec, with the hold target replaced by this entry's ``hold_s``."""
        if self.exercise is None:
            return None
        spec = analysed_as(self.exercise)
        if spec.kind is Kind.HOLD and self.hold_s is not None:
            return replace(spec, target_s=self.hold_s)
        return spec

    @property
    def is_hold(self) -> bool:
        return self.hold_s is not None

    @property
    def open_ended(self) -> bool:
        """No goal per set: counting (or timing holds) until the person moves on."""
        return self.reps is None and self.duration_s is None

    @property
    def goal_text(self) -> str:
        """What one set asks for, in words: "10 reps", "5 holds of 4 s", "60 s", "as many as you like"."""
        if self.test is not None:
            return "the test's own script"
        if self.duration_s is not None:
            return f"{_num(self.duration_s)} s"
        if self.hold_s is not None:
            if self.reps is None:
                return f"holds of {_num(self.hold_s)} s"
            return f"{self.reps} hold{'s' if self.reps != 1 else ''} of {_num(self.hold_s)} s"
        if self.reps is not None:
            return f"{self.reps} reps"
        return "at your own pace"


@dataclass(frozen=True)
class Programme:
    name: str
    entries: tuple[ProgrammeEntry, ...]
    source: str = ""
    description: str = ""
    prescribed_by: str = ""
    patient: str = ""
    advice: tuple[str, ...] = ()  # where the file departs from the guidelines (warnings, not errors)


def _num(x: float) -> str:
    return f"{x:g}"


def _short(value: object, limit: int = 40) -> str:
    """``repr(value)``, cut for an error line (a 400-digit integer is not worth showing whole)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def single_exercise(exercise_id: str, flexion: FlexionConfig | None = None) -> Programme:
    """A one-entry, open-ended programme: ``spinesafe live --exercise ID`` without a file (``unknown``:
    a movement outside the library that ``--exercise auto`` watches without counting)."""
    spec = analysed_as(exercise_id)
    hold = spec.target_s if spec.kind is Kind.HOLD else None
    entry = ProgrammeEntry(
        phase=Phase.MAIN,
        name=spec.name,
        how_to=spec.how_to,
        exercise=spec.id,
        sets=1,
        reps=None,
        hold_s=hold,
        rest_s=0.0,
        flexion=flexion or FlexionConfig(caution_deg=spec.allowed_flexion_deg),
    )
    return Programme(name=spec.name, entries=(entry,), source=f"--exercise {exercise_id}")


def test_entry(test: FunctionalTest, rest_s: float = DEFAULT_REST_S) -> ProgrammeEntry:
    """The programme entry of a functional test: watched as its exercise (``TEST_EXERCISES``)."""
    return ProgrammeEntry(
        phase=Phase.MAIN,
        name=test.title,
        how_to="",
        exercise=TEST_EXERCISES[test],
        rest_s=rest_s,
        min_rep_s=0.0,
        test=test,
    )


def single_test(test: FunctionalTest) -> Programme:
    """A one-entry programme: ``spinesafe live --test ID``."""
    return Programme(name=test.title, entries=(test_entry(test, rest_s=0.0),), source=f"--test {test.value}")


# --- parsing -------------------------------------------------------------------------------------

PROGRAMME_KEYS = ("name", "description", "prescribed_by", "patient", "rest_s", "tempo", "min_rep_s")
LIMIT_KEYS = ("allowed_flexion_deg", "stop_flexion_deg")
ENTRY_KEYS = (
    "id",
    "name",
    "how_to",
    "sets",
    "reps",
    "hold_s",
    "duration_s",
    "rest_s",
    "tempo",
    "min_rep_s",
    *LIMIT_KEYS,
)
TEST_TABLE = "test"  # [[test]] id = "chair_stand_30s": functional tests, done after the warm-up
TEST_KEYS = ("id", "rest_s")
TOP_KEYS = ("programme", "limits", *(phase.value for phase in Phase), TEST_TABLE)

# Ranges: (low, high) inclusive.
SETS_RANGE = (1, 10)
REPS_RANGE = (1, 100)
HOLD_RANGE_S = (1.0, 300.0)
DURATION_RANGE_S = (5.0, 3600.0)
REST_RANGE_S = (0.0, 600.0)
MIN_REP_RANGE_S = (0.0, 10.0)
ALLOWED_FLEXION_RANGE_DEG = (8.0, 60.0)  # FlexionConfig needs caution above its 6 deg hysteresis
STOP_FLEXION_RANGE_DEG = (15.0, 90.0)


# Checked before parsing. The largest sample is under 2 KB and a long programme (50 entries with
# notes) about 10 KB, so 256 KB leaves a 25x margin while keeping a stray video or log file passed as
# a programme from being read into memory and parsed.
MAX_PROGRAMME_BYTES = 256 * 1024
# The format nests at most 2 deep (``[[exercise]]``); the TOML parser recurses once per level and
# hits Python's recursion limit from about 330 nested inline tables (fewer on a deeper stack), so 32
# is far above any real file and far below the crash.
MAX_NESTING = 32


def load_programme(path: str | Path) -> Programme:
    """Read and validate a programme file; raises :class:`ProgrammeError` naming file and key."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such programme file")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PROGRAMME_BYTES + 1)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_PROGRAMME_BYTES:
        raise ProgrammeError(
            f"{path}: larger than {MAX_PROGRAMME_BYTES // 1024} KB; a programme file is a few KB of TOML "
            "(is this the right file?)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProgrammeError(f"{path}: not a text file ({exc.reason})") from exc
    depth = toml_nesting(text)
    if depth > MAX_NESTING:
        raise ProgrammeError(f"{path}: nested {depth} levels deep; a programme file nests at most {MAX_NESTING}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError(f"{path}: not valid TOML: {exc}") from exc
    except RecursionError:  # the nesting count above is a scan, not a parse: keep the documented error
        raise ProgrammeError(
            f"{path}: nested too deeply to read; a programme file nests at most {MAX_NESTING}"
        ) from None
    return parse_programme(data, source=str(path))


def toml_nesting(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in TOML ``text``, not counting brackets in strings or comments.

    A scan, not a parse: invalid TOML gives some number and is then refused by the parser.
    """
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
        elif c == "#":
            i = _line_end(text, i)
            continue
        elif c in "\"'":
            i = _string_end(text, i)
            continue
        i += 1
    return deepest


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _string_end(text: str, i: int) -> int:
    """The index after the TOML string starting at ``i`` (basic, literal, or their multi-line forms)."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        close, i = quote * 3, i + 3
    else:
        close, i = quote, i + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2  # an escape: the next character cannot close the string
            continue
        if text.startswith(close, i):
            return i + len(close)
        if len(close) == 1 and text[i] == "\n":
            return i  # a one-line string ends at the line's end (invalid TOML; the parser says so)
        i += 1
    return i


def parse_programme(data: Mapping[str, Any], source: str = "<programme>") -> Programme:
    """Validate a parsed TOML document into a :class:`Programme`."""
    p = _Parser(source)
    p.only_keys(data, TOP_KEYS, "top level")
    head = p.table(data, "programme", required=True)
    p.only_keys(head, PROGRAMME_KEYS, "[programme]")
    limits = p.table(data, "limits", required=False)
    p.only_keys(limits, LIMIT_KEYS, "[limits]")
    defaults = _Defaults(
        rest_s=p.number(head, "rest_s", "programme.rest_s", REST_RANGE_S, DEFAULT_REST_S),
        tempo=p.text(head, "tempo", "programme.tempo", DEFAULT_TEMPO),
        min_rep_s=p.number(head, "min_rep_s", "programme.min_rep_s", MIN_REP_RANGE_S, DEFAULT_MIN_REP_S),
        allowed_flexion_deg=p.optional_number(
            limits, "allowed_flexion_deg", "limits.allowed_flexion_deg", ALLOWED_FLEXION_RANGE_DEG
        ),
        stop_flexion_deg=p.optional_number(
            limits, "stop_flexion_deg", "limits.stop_flexion_deg", STOP_FLEXION_RANGE_DEG
        ),
    )
    entries: list[ProgrammeEntry] = []
    for phase in Phase:
        raw = data.get(phase.value, [])
        if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
            p.fail(phase.value, f"expected [[{phase.value}]] tables, got {_type(raw)}", "an array of tables")
        for i, table in enumerate(raw, start=1):
            entries.append(p.entry(table, phase, i, defaults))
    warmups = sum(e.phase is Phase.WARMUP for e in entries)
    entries[warmups:warmups] = _tests(p, data, defaults)
    if not entries:
        p.fail(
            "exercise",
            "the programme has no entries",
            "at least one [[warmup]], [[exercise]], [[test]] or [[cooldown]]",
        )
    return Programme(
        name=p.text(head, "name", "programme.name", None),
        description=p.text(head, "description", "programme.description", ""),
        prescribed_by=p.text(head, "prescribed_by", "programme.prescribed_by", ""),
        patient=p.text(head, "patient", "programme.patient", ""),
        entries=tuple(entries),
        source=source,
        advice=tuple(_advice(entries)),
    )


def _tests(p: _Parser, data: Mapping[str, Any], defaults: _Defaults) -> list[ProgrammeEntry]:
    raw = data.get(TEST_TABLE, [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        p.fail(TEST_TABLE, f"expected [[{TEST_TABLE}]] tables, got {_type(raw)}", "an array of tables")
    out = []
    for i, table in enumerate(raw, start=1):
        where = f"[[{TEST_TABLE}]] #{i}"
        p.only_keys(table, TEST_KEYS, where)
        valid = ", ".join(t.value for t in FunctionalTest)
        if "id" not in table:
            p.fail(f"{where} id", "missing", valid)
        try:
            test = parse_test_id(str(table["id"]))
        except ValueError:
            p.fail(f"{where} id", f"unknown test {table['id']!r}", valid)
        rest = p.number(table, "rest_s", f"{where} rest_s", REST_RANGE_S, defaults.rest_s)
        out.append(test_entry(test, rest_s=rest))
    return out


@dataclass(frozen=True)
class _Defaults:
    rest_s: float
    tempo: str
    min_rep_s: float
    allowed_flexion_deg: float | None
    stop_flexion_deg: float | None


def _type(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}.get(
        type(value), "a table" if isinstance(value, dict) else type(value).__name__
    )


class _Parser:
    """Typed look-ups that fail with the file, the key and the allowed values."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str, allowed: str) -> None:
        raise ProgrammeError(f"{self.source}: {key}: {problem}; allowed: {allowed}")

    def only_keys(self, table: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                self.fail(f"{where} {key}" if where != "top level" else key, "unknown key", ", ".join(allowed))

    def table(self, data: Mapping[str, Any], key: str, required: bool) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(key, f"missing [{key}] table", f"a [{key}] table with {', '.join(PROGRAMME_KEYS)}")
            return {}
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {_type(value)}", f"[{key}]")
        return value

    def text(self, table: Mapping[str, Any], key: str, name: str, default: str | None) -> str:
        value = table.get(key, default)
        if value is None:
            self.fail(name, "missing", "a non-empty string")
        if not isinstance(value, str) or (default is None and not value.strip()):
            self.fail(name, f"expected a non-empty string, got {value!r}", "a non-empty string")
        return str(value).strip()

    def optional_number(
        self, table: Mapping[str, Any], key: str, name: str, bounds: tuple[float, float]
    ) -> float | None:
        if key not in table:
            return None
        value = table[key]
        low, high = bounds
        # isfinite only on floats: an integer too large for a float (TOML integers may be any size) would
        # raise OverflowError there, while comparing it with the bounds is exact.
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            self.fail(name, f"expected a number, got {value!r}", f"{_num(low)} to {_num(high)}")
        if not low <= value <= high:
            self.fail(name, f"{_short(value)} is out of range", f"{_num(low)} to {_num(high)}")
        return float(value)

    def number(
        self, table: Mapping[str, Any], key: str, name: str, bounds: tuple[float, float], default: float
    ) -> float:
        value = self.optional_number(table, key, name, bounds)
        return default if value is None else value

    def optional_int(self, table: Mapping[str, Any], key: str, name: str, bounds: tuple[int, int]) -> int | None:
        if key not in table:
            return None
        value = table[key]
        low, high = bounds
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"expected a whole number, got {value!r}", f"{low} to {high}")
        if not low <= value <= high:
            self.fail(name, f"{_short(value)} is out of range", f"{low} to {high}")
        return int(value)

    def entry(self, table: Mapping[str, Any], phase: Phase, index: int, defaults: _Defaults) -> ProgrammeEntry:
        where = f"[[{phase.value}]] #{index}"
        self.only_keys(table, ENTRY_KEYS, where)

        def k(key: str) -> str:
            return f"{where} {key}"

        exercise_id = table.get("id")
        spec: ExerciseSpec | None = None
        safe_ids = sorted(i for i, s in EXERCISES.items() if s.kind is not Kind.UNSAFE)
        if exercise_id is None:
            if phase is Phase.MAIN:
                self.fail(k("id"), "missing", ", ".join(safe_ids))
        else:
            if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
                self.fail(k("id"), f"unknown exercise {exercise_id!r}", ", ".join(safe_ids))
            spec = EXERCISES[str(exercise_id)]
            if spec.kind is Kind.UNSAFE:
                self.fail(
                    k("id"),
                    f"{exercise_id!r} is an unsafe movement pattern (recognised and flagged, never prescribed; "
                    f"instead: {spec.instead})",
                    ", ".join(safe_ids),
                )
        sets = self.optional_int(table, "sets", k("sets"), SETS_RANGE) or 1
        reps = self.optional_int(table, "reps", k("reps"), REPS_RANGE)
        hold_s = self.optional_number(table, "hold_s", k("hold_s"), HOLD_RANGE_S)
        duration_s = self.optional_number(table, "duration_s", k("duration_s"), DURATION_RANGE_S)
        if spec is None:
            name = self.text(table, "name", k("name"), None)
            how_to = self.text(table, "how_to", k("how_to"), "")
            if duration_s is None:
                self.fail(k("duration_s"), "missing (an entry without an id is timed)", "5 to 3600 seconds")
            for key in ("reps", "hold_s"):
                if key in table:
                    self.fail(k(key), "only for entries with an exercise id", "duration_s")
        else:
            name = self.text(table, "name", k("name"), spec.name)
            how_to = self.text(table, "how_to", k("how_to"), spec.how_to)
            if spec.kind is Kind.HOLD:
                if duration_s is not None:
                    self.fail(k("duration_s"), f"{spec.id} is a hold", "hold_s (seconds per hold) and reps (holds)")
                hold_s = hold_s if hold_s is not None else spec.target_s
                reps = reps or 1
            else:
                if hold_s is not None:
                    self.fail(k("hold_s"), f"{spec.id} is counted, not held", "reps or duration_s")
                if reps is not None and duration_s is not None:
                    self.fail(k("reps"), "give reps or duration_s, not both", "reps or duration_s")
                if reps is None and duration_s is None:
                    self.fail(k("reps"), "missing", f"reps ({REPS_RANGE[0]} to {REPS_RANGE[1]}) or duration_s")
        flexion = self._flexion(table, k, spec, defaults)
        return ProgrammeEntry(
            phase=phase,
            name=name,
            how_to=how_to,
            exercise=spec.id if spec is not None else None,
            sets=sets,
            reps=reps,
            hold_s=hold_s,
            duration_s=duration_s,
            rest_s=self.number(table, "rest_s", k("rest_s"), REST_RANGE_S, defaults.rest_s),
            tempo=self.text(table, "tempo", k("tempo"), defaults.tempo),
            min_rep_s=self.number(table, "min_rep_s", k("min_rep_s"), MIN_REP_RANGE_S, defaults.min_rep_s),
            flexion=flexion,
        )

    def _flexion(self, table: Mapping[str, Any], k: Any, spec: ExerciseSpec | None, d: _Defaults) -> FlexionConfig:
        allowed = self.optional_number(
            table, "allowed_flexion_deg", k("allowed_flexion_deg"), ALLOWED_FLEXION_RANGE_DEG
        )
        stop = self.optional_number(table, "stop_flexion_deg", k("stop_flexion_deg"), STOP_FLEXION_RANGE_DEG)
        # Per entry, then the patient's [limits], then the exercise's own threshold.
        if allowed is None:
            allowed = d.allowed_flexion_deg
        if allowed is None:
            allowed = spec.allowed_flexion_deg if spec is not None else FlexionConfig().caution_deg
        if stop is None:
            stop = d.stop_flexion_deg
        if stop is None:
            stop = max(DEFAULT_STOP_FLEXION_DEG, allowed + STOP_MARGIN_DEG)
        if stop <= allowed:
            if "stop_flexion_deg" in table:
                key = k("stop_flexion_deg")
            elif d.stop_flexion_deg is not None:
                key = "limits.stop_flexion_deg"
            else:
                key = k("allowed_flexion_deg")
            self.fail(key, f"stop {_num(stop)} is not above allowed {_num(allowed)}", "allowed < stop <= 90")
        return FlexionConfig(caution_deg=allowed, stop_deg=min(stop, 90.0))


def _advice(entries: list[ProgrammeEntry]) -> list[str]:
    """Where a programme departs from the guidelines (shown by ``spinesafe programs``)."""
    notes: list[str] = []
    low_reps, high_reps = TTF_REPS
    for e in entries:
        spec = e.spec
        if e.phase is not Phase.MAIN or spec is None:
            continue
        if spec.kind is Kind.COUNTED and e.reps is not None and not low_reps <= e.reps <= high_reps:
            notes.append(f"{e.name}: {e.reps} reps; Too Fit To Fracture suggests {low_reps}-{high_reps} for strength")
        if e.sets > TTF_SETS[1]:
            notes.append(f"{e.name}: {e.sets} sets; Too Fit To Fracture suggests {TTF_SETS[0]}-{TTF_SETS[1]}")
        if spec.id in BACK_EXTENSOR_HOLDS and e.hold_s is not None and not TTF_BACK_HOLD_S[0] <= e.hold_s <= 10:
            notes.append(f"{e.name}: holds of {_num(e.hold_s)} s; back-extensor endurance holds are 3-5 s (TTF)")
    if not any(e.exercise and EXERCISES[e.exercise].kind is Kind.HOLD for e in entries):
        notes.append("no balance or hold exercise; guidelines advise balance training daily (TTF, ROS)")
    return notes
