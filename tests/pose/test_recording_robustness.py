"""Damaged or hostile inputs: landmark recordings (``.npz``) and pictures passed as videos.

Every unreadable input must end in the documented error (:class:`RecordingFormatError` for a
recording, :class:`VideoDecodeError` for a picture) with the reason in the message, never in a
traceback from zipfile, zlib or numpy; the CLI turns those into one line and exit 2.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinesafe.errors import RecordingFormatError, VideoDecodeError
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS
from spinesafe.pose.recording import MAX_DURATION_S, MAX_FRAMES, Recording, load_recording, save_recording
from spinesafe.pose.sources import VideoFileSource

FPS = 30.0
N_FRAMES = 6


def _frames(n: int = N_FRAMES) -> list[PoseFrame]:
    """Present frames with landmarks, visibilities and world points, and one frame without a person."""
    rng = np.random.default_rng(16)
    frames = []
    for i in range(n):
        t_s = i / FPS
        if i == n // 2:
            frames.append(PoseFrame.absent(t_s, i, (640, 480)))
            continue
        frames.append(
            PoseFrame(
                t_s=t_s,
                index=i,
                image_size=(640, 480),
                landmarks=np.round(rng.uniform(0.1, 0.9, (NUM_LANDMARKS, 3)), 2),
                visibility=np.round(rng.uniform(0.0, 1.0, NUM_LANDMARKS), 2),
                world=np.round(rng.normal(0.0, 0.4, (NUM_LANDMARKS, 3)), 2),
            )
        )
    return frames


def _valid_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = save_recording(Path(folder) / "valid.npz", _frames(), source="valid.mp4", estimator="synthetic", fps=FPS)
        return path.read_bytes()


VALID = _valid_bytes()


def _arrays() -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(VALID), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _with_arrays(path: Path, **changes: np.ndarray) -> Path:
    """The valid recording with some arrays replaced, written as a well-formed ``.npz``."""
    arrays = _arrays()
    arrays.update(changes)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    return path


def _member(data: bytes, name: str) -> tuple[int, int]:
    """(offset, length) of ``name``'s compressed bytes inside the zip archive ``data``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    # Local file header: 30 fixed bytes, then the name and the extra field (lengths at 26 and 28).
    start = info.header_offset
    name_len = int.from_bytes(data[start + 26 : start + 28], "little")
    extra_len = int.from_bytes(data[start + 28 : start + 30], "little")
    return start + 30 + name_len + extra_len, info.compress_size


def _flip_byte(data: bytes) -> bytes:
    offset, length = _member(data, "landmarks.npy")
    mutable = bytearray(data)
    mutable[offset + length // 2] ^= 0x5A
    return bytes(mutable)


def _corrupt_deflate(data: bytes) -> bytes:
    # 0xFF as the first byte of a deflate stream is a block of the reserved type 3: invalid.
    offset, _ = _member(data, "landmarks.npy")
    return data[:offset] + b"\xff" * 16 + data[offset + 16 :]


def _bomb(path: Path, frames: int) -> Path:
    """A zip of valid structure whose ``t_s`` holds ``frames`` zeros: about 1/1000 of that on disk."""
    arrays = _arrays()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            if name == "t_s":
                continue
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", buffer.getvalue())
        with archive.open("t_s.npy", "w", force_zip64=True) as member:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (frames,)})
            member.write(header.getvalue())
            zeros, left = bytes(1 << 20), frames * 8
            while left:
                member.write(zeros[:left])
                left -= min(left, len(zeros))
    return path


def _write(data: bytes) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return write


def _times(times: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path], Path]:
    return lambda path: _with_arrays(path, t_s=times(_arrays()["t_s"]))


def _nan_on_present_frame(path: Path) -> Path:
    arrays = _arrays()
    landmarks = arrays["landmarks"].copy()
    assert arrays["present"][1]
    landmarks[1, 11, 0] = np.nan  # LEFT_SHOULDER.x of a frame marked as having a person
    return _with_arrays(path, landmarks=landmarks)


# (fault, how to make the file, what the message must say)
FAULTS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("cut at 50%", _write(VALID[: len(VALID) // 2]), "zip archive"),
    ("cut by 10 bytes", _write(VALID[:-10]), "zip archive"),
    ("one flipped byte", _write(_flip_byte(VALID)), "landmarks.*damaged"),
    ("0-byte file", _write(b""), "empty"),
    ("corrupted deflate stream", _write(_corrupt_deflate(VALID)), "landmarks.*damaged"),
    ("not a zip at all", _write(b"hello\n"), "zip archive"),
    ("0-d t_s", lambda p: _with_arrays(p, t_s=np.array(0.0)), r"t_s: expected shape \(n,\), got \(\)"),
    ("complex t_s", _times(lambda t: t.astype(np.complex128)), "t_s: expected real numbers"),
    ("non-scalar fps", lambda p: _with_arrays(p, fps=np.array([30.0, 30.0])), r"fps: expected shape \(\), got \(2,\)"),
    ("fps out of range", lambda p: _with_arrays(p, fps=np.array(1e9)), "fps"),
    ("timestamps x 1e12", _times(lambda t: t * 1e12), r"must lie within -1 to 14400 s \(4 h\)"),
    ("reversed timestamps", _times(lambda t: t[::-1].copy()), "increase"),
    ("constant timestamps", _times(np.zeros_like), "increase"),
    ("NaN time", _times(lambda t: np.where(np.arange(len(t)) == 2, np.nan, t)), "finite"),
    ("NaN landmarks on a present frame", _nan_on_present_frame, "landmarks.*frame 1"),
    ("missing array", lambda p: _with_arrays(p, landmarks=np.zeros(0)), "landmarks: expected shape"),
    ("unknown format", lambda p: _with_arrays(p, format=np.array("other/9")), "unknown recording format"),
]


@pytest.mark.parametrize(("fault", "make", "reason"), FAULTS, ids=[f[0] for f in FAULTS])
def test_each_named_fault_is_refused_with_its_reason(
    tmp_path: Path, fault: str, make: Callable[[Path], Path], reason: str
) -> None:
    path = make(tmp_path / "damaged.npz")
    with pytest.raises(RecordingFormatError, match=reason) as caught:
        load_recording(path)
    assert str(caught.value).startswith(f"{path}: "), caught.value


def test_the_valid_recording_still_loads(tmp_path: Path) -> None:
    path = _write(VALID)(tmp_path / "valid.npz")
    recording = load_recording(path)
    assert len(recording) == N_FRAMES and recording.fps == FPS
    assert [f.present for f in recording] == [f.present for f in _frames()]
    for loaded, saved in zip(recording, _frames(), strict=True):
        assert np.array_equal(loaded.landmarks, saved.landmarks, equal_nan=True)


def test_a_missing_member_names_it(tmp_path: Path) -> None:
    arrays = _arrays()
    del arrays["visibility"]
    path = tmp_path / "partial.npz"
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    with pytest.raises(RecordingFormatError, match="visibility"):
        load_recording(path)


def test_a_decompression_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    # 20 million frames: 160 MB of times from a file of a few hundred kB. The frame limit is read
    # from the array's header, so the loader refuses before inflating (a few MB at most).
    frames = 20_000_000
    assert frames > MAX_FRAMES
    path = _bomb(tmp_path / "bomb.npz", frames)
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(RecordingFormatError, match="frames"):
            load_recording(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"{peak / 1e6:.0f} MB allocated to refuse a bomb"


def test_save_refuses_what_load_would_refuse_and_writes_nothing(tmp_path: Path) -> None:
    frames = _frames()
    backwards = [PoseFrame(f.t_s, f.index, f.image_size, f.landmarks, f.visibility, f.world, f.present) for f in frames]
    backwards[2] = PoseFrame.absent(frames[0].t_s, 2, (640, 480))  # a time that does not increase
    path = tmp_path / "backwards.npz"
    with pytest.raises(RecordingFormatError, match="not saved: t_s: times must increase"):
        save_recording(path, backwards, source="x.mp4", estimator="synthetic", fps=FPS)
    assert not path.exists()
    with pytest.raises(RecordingFormatError, match="not saved: fps"):
        save_recording(path, frames, source="x.mp4", estimator="synthetic", fps=0.0)
    assert not path.exists()


def test_limits_are_generous_for_real_sessions() -> None:
    assert MAX_DURATION_S >= 2 * 3600  # a long telehealth session with the recording left running
    assert MAX_FRAMES >= MAX_DURATION_S * 30  # at a phone's 30 fps


# --- fuzz ----------------------------------------------------------------------------------------

# A mutation: bytes overwritten (offset, value), then the file optionally cut to a length.
MUTATIONS = st.tuples(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6),
    st.one_of(st.none(), st.integers(0, len(VALID))),
)


def mutate(mutation: tuple[list[tuple[int, int]], int | None]) -> bytes:
    changes, cut = mutation
    data = bytearray(VALID)
    for offset, value in changes:
        data[offset] = value
    return bytes(data[:cut] if cut is not None else data)


def check_outcome(path: Path) -> Recording | None:
    """The recording, or None when it was refused with the documented error. Anything else is raised."""
    try:
        recording = load_recording(path)
    except RecordingFormatError as exc:
        assert str(exc).startswith(f"{path}: ") and len(str(exc)) > len(f"{path}: ") + 10
        return None
    # Accepted (a mutation in a part nobody reads, e.g. a timestamp in a zip header): it keeps the limits.
    times = np.array([f.t_s for f in recording])
    assert np.all(np.isfinite(times)) and np.all(np.diff(times) > 0)
    assert not len(times) or times[-1] <= MAX_DURATION_S
    assert all(np.all(np.isfinite(f.landmarks)) for f in recording if f.present)
    return recording


@pytest.fixture(scope="module")
def fuzz_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "mutated.npz"


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutation=MUTATIONS)
def test_fuzzed_bytes_raise_only_the_documented_error(
    fuzz_path: Path, mutation: tuple[list[tuple[int, int]], int | None]
) -> None:
    fuzz_path.write_bytes(mutate(mutation))
    check_outcome(fuzz_path)


# Well-formed archives with hostile arrays: any member swapped for an array of another shape, dtype or values.
_DTYPES = [np.float64, np.float32, np.int64, np.bool_, np.complex128, np.dtype("<U4")]
_VALUES = st.sampled_from([0.0, -1.0, 1.0, 0.5, 1e12, -1e300, np.inf, np.nan, 30.0])


@st.composite
def hostile_member(draw: st.DrawFn) -> tuple[str, np.ndarray]:
    name = draw(st.sampled_from(sorted(_arrays())))
    original = _arrays()[name]
    shape = draw(st.sampled_from([original.shape, (), (0,), (N_FRAMES + 1,), (*original.shape[:1], 2, 2)]))
    dtype = np.dtype(draw(st.sampled_from([original.dtype, *_DTYPES])))
    if dtype.kind == "U":
        return name, np.full(shape, draw(st.text(max_size=4)), dtype=dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        values = np.array(draw(st.lists(_VALUES, min_size=1, max_size=4)))
        filled = np.resize(values, shape) if int(np.prod(shape)) else np.zeros(shape)
        return name, filled.astype(dtype)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(member=hostile_member())
def test_fuzzed_arrays_raise_only_the_documented_error(fuzz_path: Path, member: tuple[str, np.ndarray]) -> None:
    name, array = member
    _with_arrays(fuzz_path, **{name: array})
    check_outcome(fuzz_path)


# Byte runs inserted or removed: everything after them shifts, so every offset in the zip's
# directory points to the wrong place (the overwrites above keep them in place).
SHIFTS = st.lists(
    st.tuples(st.integers(0, len(VALID)), st.integers(-40, 40), st.binary(min_size=1, max_size=8)),
    min_size=1,
    max_size=3,
)


def shift(shifts: list[tuple[int, int, bytes]]) -> bytes:
    data = VALID
    for offset, size, filler in shifts:
        offset = min(offset, len(data))
        data = (
            data[:offset] + (filler * 40)[:size] + data[offset:] if size > 0 else data[:offset] + data[offset - size :]
        )
    return data


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shifts=SHIFTS)
def test_fuzzed_insertions_and_deletions_raise_only_the_documented_error(
    fuzz_path: Path, shifts: list[tuple[int, int, bytes]]
) -> None:
    fuzz_path.write_bytes(shift(shifts))
    check_outcome(fuzz_path)


# A member whose .npy header says anything at all (written by hand: numpy's writer would refuse
# most of these), followed by some bytes: the header is what the loader trusts to size its reads.
_DESCRS = ["<f8", ">f8", "<i8", "|b1", "<U4", "<U99999999", "|O", "|V8", "<c16", "[('a', '<f8')]", "'x'", "<f8,<f8"]
_DIMS = st.one_of(st.integers(-3, 40), st.sampled_from([NUM_LANDMARKS, 2**31, 2**62, 10**30]))


@st.composite
def hostile_header(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(_arrays())))
    descr = draw(st.sampled_from(_DESCRS))
    shape = tuple(draw(st.lists(_DIMS, max_size=3)))
    fortran = draw(st.sampled_from(["False", "True", "0", "'no'"]))
    literal = descr if descr.startswith(("[", "'")) else repr(descr)  # a list of fields, or a bare quoted word
    text = draw(
        st.sampled_from(
            [
                f"{{'descr': {literal}, 'fortran_order': {fortran}, 'shape': {shape!r}, }}",
                f"{{'descr': {descr!r}, 'shape': {shape!r}}}",  # a key missing
                "{}",
                "not a dict",
                f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': (1,), 'extra': __import__('os')}}",
            ]
        )
    )
    header = text.encode("latin1")
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    magic = b"\x93NUMPY" + draw(st.sampled_from([b"\x01\x00", b"\x02\x00", b"\x03\x00", b"\x09\x09"]))
    size = len(header).to_bytes(2 if magic.endswith(b"\x01\x00") else 4, "little")
    body = draw(st.binary(max_size=64))
    return name, magic + size + header + body


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(member=hostile_header())
def test_fuzzed_npy_headers_raise_only_the_documented_error(fuzz_path: Path, member: tuple[str, bytes]) -> None:
    name, raw = member
    arrays = _arrays()
    with zipfile.ZipFile(fuzz_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for other, array in arrays.items():
            if other != name:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, array, allow_pickle=False)
                archive.writestr(f"{other}.npy", buffer.getvalue())
        archive.writestr(f"{name}.npy", raw)
    check_outcome(fuzz_path)


# --- the CLI ---------------------------------------------------------------------------------------


def test_review_of_a_damaged_recording_is_one_line_and_exit_2(tmp_path: Path) -> None:
    damaged = _write(VALID[: len(VALID) // 2])(tmp_path / "damaged.npz")
    run = run_cli("review", damaged, "-e", "squat", "--out", tmp_path / "out", "--no-history", "--quiet")
    assert run.code == 2
    assert run.err.count("\n") == 1 and "damaged.npz" in run.err and "Traceback" not in run.err, run.err


def test_live_with_a_damaged_recording_as_camera_is_one_line_and_exit_2(tmp_path: Path) -> None:
    damaged = _write(_corrupt_deflate(VALID))(tmp_path / "damaged.npz")
    run = run_cli("live", "--camera", damaged, "--exercise", "squat", "--headless", "--no-setup-check", "--no-history")
    assert run.code == 2
    assert run.err.count("\n") == 1 and "damaged.npz" in run.err and "Traceback" not in run.err, run.err


# --- pictures are not videos -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A PNG and a JPEG written by OpenCV, each also copied under a video name."""
    folder = tmp_path_factory.mktemp("pictures")
    image = np.zeros((240, 320, 3), np.uint8)
    cv2.rectangle(image, (100, 40), (220, 200), (40, 180, 220), -1)
    paths = []
    for suffix in (".png", ".jpg"):
        picture = folder / f"photo{suffix}"
        assert cv2.imwrite(str(picture), image)
        renamed = folder / f"photo_{suffix[1:]}.mp4"
        shutil.copy(picture, renamed)
        paths += [picture, renamed]
    return paths


@pytest.mark.parametrize("which", range(4), ids=["png", "png as mp4", "jpeg", "jpeg as mp4"])
def test_a_picture_is_refused_as_a_video(pictures: list[Path], which: int) -> None:
    path = pictures[which]
    with pytest.raises(VideoDecodeError, match="is a picture, not a video") as caught:
        VideoFileSource(path)
    assert str(path) in str(caught.value)


def test_review_of_a_picture_is_one_line_and_exit_2(pictures: list[Path], tmp_path: Path) -> None:
    run = run_cli("review", pictures[1], "-e", "squat", "--out", tmp_path / "out", "--no-history", "--quiet")
    assert run.code == 2
    assert run.err.count("\n") == 1 and "picture" in run.err and "Traceback" not in run.err, run.err
    assert not (tmp_path / "out" / "report.json").exists()
