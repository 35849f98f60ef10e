"""Fuzzing the programme parser: whatever the file holds, the only outcomes are a programme or a
:class:`ProgrammeError` naming the file (never another exception, never a traceback in the CLI).

Three generators, each a few hundred cases, derandomized so a failure reproduces: random text from
the characters TOML is made of (brackets, quotes, keys, numbers, newlines), random bytes, and
structured tables (the real keys with values of every TOML type, out-of-range and huge numbers
included) given to the parser directly and, through a small TOML writer, to the loader.
"""

from __future__ import annotations

import datetime
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinesafe.errors import ProgrammeError
from spinesafe.session.programme import (
    ENTRY_KEYS,
    LIMIT_KEYS,
    PROGRAMME_KEYS,
    TOP_KEYS,
    Programme,
    load_programme,
    parse_programme,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "fuzzed.toml"


def check_outcome(path: Path) -> Programme | None:
    """The programme, or None when it was refused with the documented error. Anything else is raised."""
    try:
        programme = load_programme(path)
    except ProgrammeError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc), exc
        return None
    assert programme.entries and programme.name
    return programme


# --- text and bytes --------------------------------------------------------------------------------

_WORDS = [
    *TOP_KEYS,
    *PROGRAMME_KEYS,
    *ENTRY_KEYS,
    '"squat"',
    '"hip_hinge"',
    '"back_extension_hold"',
    '"toe_touch"',
    "8",
    "0",
    "-1",
    "1e400",
    "nan",
    "inf",
    "99999999999999999999",
    "true",
    "1979-05-27",
    '"""',
    "'''",
]
_PIECES = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(list("[]{}=,.\"'#\\\n \t")),
    st.sampled_from(["[programme]\nname = 'x'\n", "[[exercise]]\n", "[limits]\n", "\n"]),
    st.text(max_size=3),
    # a run of openers: from a few levels to past where the TOML parser's recursion gives out
    st.builds(lambda n, opener: "\nx = " + opener * n, st.integers(1, 700), st.sampled_from(["[", "{a=", "[{a="])),
)
TOMLISH = st.lists(_PIECES, max_size=60).map("".join)


@FUZZ
@given(text=TOMLISH)
def test_fuzzed_toml_text_raises_only_the_documented_error(fuzz_file: Path, text: str) -> None:
    fuzz_file.write_text(text, encoding="utf-8")
    check_outcome(fuzz_file)


@FUZZ
@given(data=st.binary(max_size=300))
def test_fuzzed_bytes_raise_only_the_documented_error(fuzz_file: Path, data: bytes) -> None:
    fuzz_file.write_bytes(data)
    check_outcome(fuzz_file)


# --- structured tables: a valid programme with a few of its values replaced ------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "programs" / "physio_telehealth.toml"

_SCALARS = st.one_of(
    st.integers(-5, 120),
    st.integers(),  # TOML integers are 64-bit, but the parser reads any size
    st.sampled_from([10**400, -(10**400), 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, 4.5, 8.0, 15.0, 59.9, 60.0, 90.0, 90.1, 300.0, 3600.5, 1e308, -0.0]),
    st.booleans(),
    st.text(max_size=8),
    st.sampled_from(["squat", "hip_hinge", "tandem_stance", "back_extension_hold", "marching", "sit_up", "", " "]),
    st.just(datetime.date(2026, 12, 7)),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.dictionaries(st.sampled_from([*ENTRY_KEYS, "x"]), _SCALARS, max_size=3),
    st.lists(st.dictionaries(st.sampled_from(ENTRY_KEYS), _SCALARS, max_size=3), max_size=2),
)
_DELETE = object()
# Where an edit lands: a top-level key, or a key of [programme], [limits] or one entry of a phase.
_PLACES = st.one_of(
    st.tuples(st.just(None), st.sampled_from([*TOP_KEYS, "extra"])),
    st.tuples(st.sampled_from(["programme"]), st.sampled_from([*PROGRAMME_KEYS, "extra"])),
    st.tuples(st.sampled_from(["limits"]), st.sampled_from([*LIMIT_KEYS, "extra"])),
    st.tuples(
        st.tuples(st.sampled_from(["warmup", "exercise", "cooldown"]), st.integers(0, 3)),
        st.sampled_from([*ENTRY_KEYS, "extra"]),
    ),
)
EDITS = st.lists(st.tuples(_PLACES, st.one_of(_VALUES, st.just(_DELETE))), min_size=1, max_size=3)


def edited(edits: list[tuple[tuple[Any, str], object]]) -> dict[str, Any]:
    """The sample programme with ``edits`` applied (a missing table or entry is created)."""
    document: dict[str, Any] = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))
    for (where, key), value in edits:
        if where is None:
            table = document
        elif isinstance(where, str):
            table = document.setdefault(where, {})
        else:
            phase, index = where
            entries = document.setdefault(phase, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                continue  # an earlier edit replaced the phase itself
            while len(entries) <= index:
                entries.append({})
            table = entries[index]
        if not isinstance(table, dict):
            continue
        if value is _DELETE:
            table.pop(key, None)
        else:
            table[key] = value
    return document


def test_the_unedited_sample_is_valid() -> None:
    assert len(parse_programme(edited([]), source="fuzz.toml").entries) == 5


@FUZZ
@given(edits=EDITS)
def test_fuzzed_tables_raise_only_the_documented_error(edits: list[tuple[tuple[Any, str], object]]) -> None:
    try:
        programme = parse_programme(edited(edits), source="fuzz.toml")
    except ProgrammeError as exc:
        assert str(exc).startswith("fuzz.toml: ") and "allowed:" in str(exc), exc
        return
    for entry in programme.entries:
        assert 1 <= entry.sets <= 10 and entry.flexion.caution_deg < entry.flexion.stop_deg <= 90
        for value in (entry.rest_s, entry.min_rep_s, entry.hold_s, entry.duration_s):
            assert value is None or math.isfinite(value)


def toml_value(value: object) -> str:
    """``value`` written as TOML (inline tables and arrays; floats by name where TOML has one)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (int, datetime.date)):
        return str(value)
    if isinstance(value, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


@FUZZ
@given(edits=EDITS)
def test_fuzzed_tables_as_files_raise_only_the_documented_error(
    fuzz_file: Path, edits: list[tuple[tuple[Any, str], object]]
) -> None:
    document = edited(edits)
    fuzz_file.write_text("\n".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in document.items()), "utf-8")
    check_outcome(fuzz_file)
