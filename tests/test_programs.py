"""Programme files: the samples are valid, and every mistake names the file, the key and the allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinesafe.classifiers.exercises import EXERCISES, Kind
from spinesafe.cli import main
from spinesafe.errors import InputFileError, ProgrammeError
from spinesafe.session.programme import Phase, load_programme, single_exercise

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "programs"

HEAD = '[programme]\nname = "Test"\n'


def _write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_samples_are_valid_and_use_library_ids() -> None:
    files = sorted(SAMPLES.glob("*.toml"))
    assert len(files) >= 3
    for path in files:
        programme = load_programme(path)
        assert programme.name and programme.entries
        for entry in programme.entries:
            assert entry.exercise is None or entry.exercise in EXERCISES
            assert entry.exercise is None or EXERCISES[entry.exercise].kind is not Kind.UNSAFE


def test_beginner_follows_the_guidelines() -> None:
    programme = load_programme(SAMPLES / "beginner.toml")
    assert programme.advice == ()  # nothing outside Too Fit To Fracture's ranges
    phases = [e.phase for e in programme.entries]
    assert phases[0] is Phase.WARMUP and phases[-1] is Phase.COOLDOWN
    strength = [e for e in programme.entries if e.phase is Phase.MAIN and e.spec and e.spec.kind is Kind.COUNTED]
    assert strength and all(8 <= (e.reps or 0) <= 12 and 1 <= e.sets <= 3 for e in strength)
    assert any(e.is_hold for e in programme.entries)  # balance
    first = programme.entries[1]
    assert (first.exercise, first.sets, first.reps, first.rest_s) == ("sit_to_stand", 2, 10, 60.0)
    assert first.flexion.caution_deg == 15.0 and first.flexion.stop_deg == 30.0  # from [limits]
    assert first.how_to == EXERCISES["sit_to_stand"].how_to  # defaults to the library's how-to
    cooldown = programme.entries[-1]
    assert cooldown.exercise is None and cooldown.duration_s == 60.0


def test_patient_limits_and_per_entry_overrides(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        HEAD + "min_rep_s = 2.0\n[limits]\nallowed_flexion_deg = 12\nstop_flexion_deg = 25\n"
        '[[exercise]]\nid = "squat"\nreps = 8\n'
        '[[exercise]]\nid = "hip_hinge"\nreps = 8\nallowed_flexion_deg = 10\n'
        '[[exercise]]\nid = "back_extension_hold"\nreps = 5\nhold_s = 4\n',
    )
    squat, hinge, hold = load_programme(path).entries
    assert (squat.flexion.caution_deg, squat.flexion.stop_deg, squat.min_rep_s) == (12.0, 25.0, 2.0)
    assert hinge.flexion.caution_deg == 10.0
    assert hold.is_hold and hold.spec is not None and hold.spec.target_s == 4.0 and hold.goal_text == "5 holds of 4 s"


@pytest.mark.parametrize(
    ("body", "key", "allowed"),
    [
        ('[[exercise]]\nid = "squats"\nreps = 10\n', "[[exercise]] #1 id", "sit_to_stand"),
        ('[[exercise]]\nid = "toe_touch"\nreps = 10\n', "[[exercise]] #1 id", "squat"),
        ('[[exercise]]\nid = "squat"\nreps = 10\nrepz = 3\n', "[[exercise]] #1 repz", "hold_s"),
        ('[[exercise]]\nid = "squat"\nreps = 0\n', "[[exercise]] #1 reps", "1 to 100"),
        ('[[exercise]]\nid = "squat"\nreps = "ten"\n', "[[exercise]] #1 reps", "1 to 100"),
        ('[[exercise]]\nid = "squat"\n', "[[exercise]] #1 reps", "duration_s"),
        ('[[exercise]]\nid = "squat"\nreps = 10\nhold_s = 5\n', "[[exercise]] #1 hold_s", "reps or duration_s"),
        ('[[exercise]]\nid = "tandem_stance"\nduration_s = 30\n', "[[exercise]] #1 duration_s", "hold_s"),
        ('[[exercise]]\nid = "squat"\nreps = 10\nsets = 20\n', "[[exercise]] #1 sets", "1 to 10"),
        ("[[exercise]]\nreps = 10\n", "[[exercise]] #1 id", "wall_push_up"),
        ('[[cooldown]]\nname = "Walk"\n', "[[cooldown]] #1 duration_s", "5 to 3600"),
        (
            '[limits]\nallowed_flexion_deg = 3\n[[exercise]]\nid = "squat"\nreps = 8\n',
            "limits.allowed_flexion_deg",
            "8",
        ),
        (
            '[limits]\nallowed_flexion_deg = 30\nstop_flexion_deg = 20\n[[exercise]]\nid = "squat"\nreps = 8\n',
            "limits.stop_flexion_deg",
            "allowed < stop",
        ),
        (  # an integer too large for a float (TOML's parser reads any size): an OverflowError before
            '[[exercise]]\nid = "squat"\nreps = 8\nrest_s = 1' + "0" * 400 + "\n",
            "[[exercise]] #1 rest_s",
            "0 to 600",
        ),
        ("", "exercise", "at least one"),
        ('[[exercise]]\nid = "squat"\nreps = 8\n[extra]\nx = 1\n', "extra", "programme"),
    ],
)
def test_errors_name_file_key_and_allowed_values(tmp_path: Path, body: str, key: str, allowed: str) -> None:
    path = _write(tmp_path, HEAD + body)
    with pytest.raises(ProgrammeError) as info:
        load_programme(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}:"), message
    assert "allowed:" in message and allowed in message.split("allowed:")[1], message
    assert isinstance(info.value, ValueError)


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such programme file"):
        load_programme(tmp_path / "missing.toml")
    bad = _write(tmp_path, '[programme]\nname = "x\n')
    with pytest.raises(ProgrammeError, match=r"p\.toml: not valid TOML.*line 2"):
        load_programme(bad)
    no_head = _write(tmp_path, '[[exercise]]\nid = "squat"\nreps = 8\n', "nohead.toml")
    with pytest.raises(ProgrammeError, match=r"nohead\.toml: programme: missing \[programme\] table"):
        load_programme(no_head)


def test_advice_outside_guidelines(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + '[[exercise]]\nid = "squat"\nreps = 20\nsets = 5\n')
    advice = load_programme(path).advice
    assert any("20 reps" in a and "8-12" in a for a in advice)
    assert any("5 sets" in a for a in advice)
    assert any("balance" in a for a in advice)


def test_single_exercise_is_open_ended() -> None:
    programme = single_exercise("squat")
    (entry,) = programme.entries
    assert entry.open_ended and entry.sets == 1 and entry.flexion.caution_deg == EXERCISES["squat"].allowed_flexion_deg
    hold = single_exercise("tandem_stance").entries[0]
    assert hold.is_hold and hold.open_ended and hold.goal_text == "holds of 30 s"


def test_programs_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programs"]) == 0
    out = capsys.readouterr().out
    assert "beginner.toml" in out and "valid" in out
    assert main(["programs", str(SAMPLES / "physio_telehealth.toml")]) == 0
    out = capsys.readouterr().out
    assert "hip_hinge" in out and "flexion caution 10 / stop 25 deg" in out
    bad = _write(tmp_path, HEAD + '[[exercise]]\nid = "situps"\nreps = 8\n')
    assert main(["programs", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "situps" in err and "[[exercise]] #1 id" in err


def test_a_movement_to_avoid_in_a_programme_names_what_to_do_instead(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + '[[exercise]]\nid = "sit_up"\nreps = 10\n')
    with pytest.raises(ProgrammeError, match=r"'sit_up' is an unsafe movement pattern .*instead: bridge"):
        load_programme(path)


# --- hostile files: size and nesting are capped before the TOML parser sees them -------------------

DEEP = 600  # levels: a 1-3 KB file that crashed the TOML parser with a RecursionError


@pytest.mark.parametrize(
    "body",
    [
        "x = " + "[" * DEEP + "]" * DEEP + "\n",
        "x = " + "{a=" * DEEP + "1" + "}" * DEEP + "\n",
        "[[exercise]]\nid = " + "[" * DEEP + "\n",  # unbalanced: still refused, not a traceback
    ],
    ids=["arrays", "inline tables", "unclosed"],
)
def test_deep_nesting_is_one_clear_error(tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, HEAD + body, "deep.toml")
    assert path.stat().st_size < 4096
    with pytest.raises(ProgrammeError, match=rf"deep\.toml: nested {DEEP} levels"):
        load_programme(path)
    assert main(["programs", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested" in err and "Traceback" not in err, err


def test_live_with_a_deeply_nested_programme_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from conftest import run_cli

    path = _write(tmp_path, HEAD + "x = " + "[" * DEEP + "]" * DEEP + "\n", "deep.toml")
    run = run_cli("live", "--program", path, "--headless", "--no-history", "--no-setup-check")
    assert run.code == 2
    assert run.err.count("\n") == 1 and "deep.toml: nested" in run.err, run.err


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    from spinesafe.session.programme import MAX_PROGRAMME_BYTES

    filler = "# " + "x" * 98 + "\n"
    path = _write(tmp_path, HEAD + '[[exercise]]\nid = "squat"\nreps = 8\n' + filler * (MAX_PROGRAMME_BYTES // 100))
    assert path.stat().st_size > MAX_PROGRAMME_BYTES
    with pytest.raises(ProgrammeError, match=r"p\.toml: larger than 256 KB"):
        load_programme(path)
    path.write_text(path.read_text()[: MAX_PROGRAMME_BYTES - 200])  # the same programme under the cap loads
    assert load_programme(path).entries[0].exercise == "squat"


def test_brackets_in_strings_and_comments_are_not_nesting(tmp_path: Path) -> None:
    from spinesafe.session.programme import toml_nesting

    brackets = "[{" * 40
    path = _write(
        tmp_path,
        HEAD + f"description = '{brackets}'  # {brackets}\n"
        f'[[exercise]]\nid = "squat"\nreps = 8\ntempo = "\\"{brackets}"\nhow_to = """\n{brackets}\n"""\n',
    )
    programme = load_programme(path)
    assert programme.description == brackets and programme.entries[0].how_to == brackets
    assert toml_nesting(path.read_text()) == 2  # [[exercise]]
    assert toml_nesting("a = [[1, 2], {b = [3]}]") == 3
