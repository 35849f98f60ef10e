"""``--no-video`` and ``--no-pictures``: no picture of the person is written anywhere, by ``review``
(one video or a folder) and by ``live``; the outputs keep the numbers and the plots. Real MediaPipe on
a real video of a person (the pictures the flags must keep out)."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import pictures_of_the_person, run_cli


@pytest.mark.parametrize("flag", ["--no-pictures", "--no-video"])
def test_review_writes_no_picture_of_the_person(person_video: Path, tmp_path: Path, flag: str) -> None:
    out = tmp_path / "out"
    run = run_cli("review", person_video, "-e", "squat", "--out", out, "--json", tmp_path / "copy.json", flag, "-q")
    assert run.code == 0, run.err
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "reps.csv"]
    assert pictures_of_the_person(tmp_path) == []
    assert "without pictures of the person" in (out / "report.html").read_text(encoding="utf-8")


def test_a_folder_review_with_no_pictures_writes_none(person_video: Path, tmp_path: Path) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    shutil.copy(person_video, folder / "one.mp4")
    out = tmp_path / "out"
    run = run_cli("review", folder, "-e", "squat", "--out", out, "--no-pictures", "-q")
    assert run.code == 0, run.err
    assert (out / "batch.json").is_file() and (out / "one" / "report.html").is_file()
    assert pictures_of_the_person(out) == []


def test_live_with_no_pictures_writes_none_and_refuses_the_virtual_camera(person_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = run_cli(
        "live", "--camera", person_video, "--exercise", "squat", "--headless", "--no-setup-check",
        "--no-calibration", "--no-pictures", "--json", out / "live.json", "--audio-file", out / "cues.wav",
        "--no-history", "--speed", "4",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert sorted(p.name for p in out.iterdir()) == ["cues.wav", "live.json"]
    assert pictures_of_the_person(out) == []
    refused = run_cli("live", "--exercise", "squat", "--no-pictures", "--virtual-camera", "--headless")
    assert refused.code == 2 and "contradict" in refused.err and refused.err.count("\n") == 1, refused.err


@pytest.mark.parametrize("command", ["review", "live"])
def test_no_pictures_has_help(command: str) -> None:
    run = run_cli(command, "--help")
    assert "--no-pictures" in run.out and "picture of the person" in " ".join(run.out.split())


def test_the_scan_finds_pictures_written_by_opencv(photo: np.ndarray, tmp_path: Path) -> None:
    ok_jpeg, jpeg = cv2.imencode(".jpg", photo)
    ok_png, png = cv2.imencode(".png", photo)
    assert ok_jpeg and ok_png
    (tmp_path / "a.jpg").write_bytes(jpeg.tobytes())
    (tmp_path / "inside.bin").write_bytes(b"\x00" * 100 + png.tobytes() + b"\x00" * 100)
    (tmp_path / "inside.dat").write_bytes(b"\x01" * 50 + jpeg.tobytes())
    (tmp_path / "numbers.wav").write_bytes(b"RIFF" + b"\xff\xd8\xff\x00" * 100)  # FF D8 FF by chance
    assert pictures_of_the_person(tmp_path) == [
        "a.jpg: JPEG or PNG bytes",
        "inside.bin: JPEG or PNG bytes",
        "inside.dat: JPEG or PNG bytes",
    ]
