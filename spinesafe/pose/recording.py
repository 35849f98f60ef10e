"""Landmark recordings: every frame's pose saved to one ``.npz`` file, and replayed.

A recording holds poses only, never images (nothing is kept that the user did not ask
for). Replaying it through the classifiers gives exactly the results of the original run.
The file is plain numpy arrays (no pickle), so loading an untrusted file is safe.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from spinesafe.errors import InputFileError, OutputError, RecordingFormatError
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.landmarks import NUM_LANDMARKS
from spinesafe.pose.sources import MAX_FPS, MIN_FPS  # a recording's rate is a source's

if TYPE_CHECKING:
    from spinesafe.pose.estimators import PoseEstimator
    from spinesafe.pose.sources import VideoFileSource

FORMAT = "spinesafe.landmarks/1"

# Limits: a recording breaking one is refused with the limit named. They bound the memory and time
# a file can make the loader (and the review after it) spend, whatever the file claims.

# A session of a programme lasts 20-60 min (Too Fit To Fracture: 8-12 reps x 1-3 sets of a handful
# of exercises, plus balance); 4 h covers a whole clinic morning recorded in one go, 4x the longest
# session. A later time is a damaged stamp (times x 1e12 would size the audio timeline at 188 PiB).
MAX_DURATION_S = 4 * 3600.0
# 4 h at 30 fps (phones' and webcams' usual rate), or 2 h at 60 fps. Loaded, a frame takes 2.7 kB
# (landmarks, world points, visibilities, the PoseFrame; tracemalloc), so the largest ~1.2 GB.
MAX_FRAMES = 432_000
# Times are seconds from the source's start; the video source never stamps a frame at or before -1 s.
MIN_T_S = -1.0
# 4x the side of an 8K frame (7680 px): no camera or codec makes a larger picture.
MAX_IMAGE_SIDE_PX = 32_768
# Geometry squares coordinates; a point a thousand image widths (or metres) away is no pose
# estimate, and 1e300 would overflow. Real poses stay within 3.2 (corpus, normalised).
MAX_ABS_COORDINATE = 1000.0
# The source's file name and the estimator's name: longer than any path (4096 bytes on Linux).
MAX_TEXT_CHARS = 4096


@dataclass(frozen=True)
class Recording:
    """Poses of one source, in time order."""

    frames: tuple[PoseFrame, ...]
    source: str
    estimator: str
    fps: float
    truncated: bool = False

    def __iter__(self) -> Iterator[PoseFrame]:
        return iter(self.frames)

    def __len__(self) -> int:
        return len(self.frames)


def save_recording(
    path: str | Path,
    frames: Iterable[PoseFrame],
    *,
    source: str,
    estimator: str,
    fps: float,
    truncated: bool = False,
) -> Path:
    """Write poses to ``path`` (``.npz``); returns the path written.

    Raises :class:`RecordingFormatError` (and writes nothing) when the poses break the limits
    :func:`load_recording` checks (times, duration, frame count, rate), :class:`OutputError` when
    the file cannot be written.
    """
    frames = list(frames)
    n = len(frames)
    landmarks = np.full((n, NUM_LANDMARKS, 3), np.nan)
    visibility = np.zeros((n, NUM_LANDMARKS))
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    has_world = np.zeros(n, dtype=bool)
    for i, frame in enumerate(frames):
        landmarks[i] = frame.landmarks
        visibility[i] = frame.visibility
        if frame.world is not None:
            world[i] = frame.world
            has_world[i] = True
    arrays = {
        "format": np.array(FORMAT),
        "source": np.array(source),
        "estimator": np.array(estimator),
        "fps": np.array(fps, dtype=np.float64),
        "truncated": np.array(truncated),
        "t_s": np.array([f.t_s for f in frames], dtype=np.float64),
        "index": np.array([f.index for f in frames], dtype=np.int64),
        "present": np.array([f.present for f in frames], dtype=bool),
        "image_size": np.array([f.image_size for f in frames], dtype=np.int64).reshape(n, 2),
        "landmarks": landmarks,
        "visibility": visibility,
        "world": world,
        "has_world": has_world,
    }
    path = Path(path)
    try:  # never write a file that load_recording would refuse
        _check_values(arrays)
    except _Refused as exc:
        raise RecordingFormatError(f"{path}: not saved: {exc}") from None
    try:
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the recording ({exc.strerror or exc})") from exc
    return path


def load_recording(path: str | Path) -> Recording:
    """Read a recording written by :func:`save_recording`.

    The file is checked before it is believed: every array's header (shape and type) is read and
    checked against the format and the limits (``MAX_*`` above) before any array is inflated, so a small file
    cannot make the loader allocate more than a recording of :data:`MAX_FRAMES` frames; then the
    values (finite, increasing times within :data:`MAX_DURATION_S`, finite poses on the frames that
    have a person). Raises :class:`InputFileError` when the file is missing or unreadable and
    :class:`RecordingFormatError`, with the reason, for anything else.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        with handle:
            arrays = _read_arrays(handle)
        return _recording(arrays)
    except _Refused as exc:
        raise RecordingFormatError(f"{path}: {exc}") from exc.__cause__


# --- reading a recording safely ------------------------------------------------------------------

_N = -1  # stands for the number of frames in a member's shape
# member -> (kind of values, shape)
_MEMBERS: dict[str, tuple[str, tuple[int, ...]]] = {
    "format": ("text", ()),
    "source": ("text", ()),
    "estimator": ("text", ()),
    "fps": ("real numbers", ()),
    "truncated": ("booleans", ()),
    "t_s": ("real numbers", (_N,)),
    "index": ("integers", (_N,)),
    "present": ("booleans", (_N,)),
    "image_size": ("integers", (_N, 2)),
    "landmarks": ("real numbers", (_N, NUM_LANDMARKS, 3)),
    "visibility": ("real numbers", (_N, NUM_LANDMARKS)),
    "world": ("real numbers", (_N, NUM_LANDMARKS, 3)),
    "has_world": ("booleans", (_N,)),
}
# numpy dtype kinds taken for each kind of values (integers and floats both are real numbers).
_DTYPE_KINDS = {"text": "U", "real numbers": "fiu", "integers": "iu", "booleans": "b"}
# What a damaged zip archive or .npy member raises while it is read: zipfile (BadZipFile, bad CRC;
# RuntimeError for an "encrypted" or NotImplementedError for an unknown compression flag), zlib,
# EOFError and struct.error for cut headers, ValueError from numpy's header parser.
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    struct.error,
)


class _Refused(Exception):
    """Why a file is not read as a recording (the message follows the path)."""


def _shape_text(shape: tuple[int, ...]) -> str:
    """numpy's spelling of a shape, with n for the number of frames: (), (n,), (n, 33, 3)."""
    dims = ["n" if d == _N else str(d) for d in shape]
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


def _read_arrays(handle: BinaryIO) -> dict[str, np.ndarray]:
    """The members of the ``.npz`` archive, each checked against :data:`_MEMBERS` from its header first."""
    if handle.seek(0, io.SEEK_END) == 0:
        raise _Refused("the file is empty (0 bytes): not a spinesafe landmark recording")
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except _DAMAGE as exc:
        raise _Refused(
            f"not a spinesafe landmark recording (not a readable zip archive: damaged or cut short; {exc})"
        ) from exc
    with archive:
        infos = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
        missing = [name for name in _MEMBERS if name not in infos]
        if missing:
            raise _Refused(f"not a spinesafe landmark recording (no {', '.join(missing)} array)")
        headers = {name: _member_header(archive, infos[name], name) for name in _MEMBERS}
        _check_header("format", "text", (), headers["format"])
        fmt = str(_read_member(archive, infos["format"], "format", headers["format"]))
        if fmt != FORMAT:
            raise _Refused(f"unknown recording format {fmt[:80]!r}, expected {FORMAT!r}")
        t_shape = headers["t_s"][0]
        if len(t_shape) != 1:
            raise _Refused(f"t_s: expected shape (n,), got {t_shape}")
        frames = t_shape[0]
        if frames > MAX_FRAMES:
            raise _Refused(
                f"holds {frames} frames; at most {MAX_FRAMES} are read "
                f"({MAX_DURATION_S / 3600:g} h at 30 fps, or half that at 60 fps)"
            )
        for name, (kind, shape) in _MEMBERS.items():
            _check_header(name, kind, tuple(frames if d == _N else d for d in shape), headers[name])
        return {name: _read_member(archive, infos[name], name, headers[name]) for name in _MEMBERS}


_Header = tuple[tuple[int, ...], np.dtype, int]  # shape, dtype, bytes before the data


def _member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> _Header:
    """Shape and dtype from the member's .npy header, inflating only the header's few bytes."""
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _fortran, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _fortran, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise _Refused(f"{name}: .npy version {version} is not one spinesafe writes")
            return tuple(int(d) for d in shape), np.dtype(dtype), member.tell()
    except _DAMAGE as exc:
        raise _Refused(f"the {name} array is damaged ({exc})") from exc


def _check_header(name: str, kind: str, shape: tuple[int, ...], header: _Header) -> None:
    got_shape, dtype, _ = header
    if dtype.kind not in _DTYPE_KINDS[kind] or dtype.hasobject:
        raise _Refused(f"{name}: expected {kind}, got {dtype}")
    if got_shape != shape:
        pattern = _shape_text(_MEMBERS[name][1])
        expected = pattern if _N not in _MEMBERS[name][1] else f"{pattern} = {shape}"
        raise _Refused(f"{name}: expected shape {expected}, got {got_shape}")
    if kind == "text" and dtype.itemsize // 4 > MAX_TEXT_CHARS:
        raise _Refused(f"{name}: a text of {dtype.itemsize // 4} characters; at most {MAX_TEXT_CHARS} are read")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, header: _Header) -> np.ndarray:
    shape, dtype, header_bytes = header
    expected = header_bytes + int(np.prod(shape)) * dtype.itemsize
    if info.file_size != expected:
        # A shorter member is cut; a longer one hides data nobody reads (and its checksum would not
        # be verified): this writer makes neither.
        raise _Refused(f"the {name} array is damaged ({info.file_size} bytes where its header implies {expected})")
    try:
        with archive.open(info) as member:
            # Reading exactly the member's size makes zipfile verify its CRC-32 at the last byte.
            return np.asarray(np.lib.format.read_array(member, allow_pickle=False))
    except _DAMAGE as exc:
        raise _Refused(f"the {name} array is damaged ({exc})") from exc


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_values(arrays: dict[str, np.ndarray]) -> None:
    """Check every value against the limits; the arrays are replaced by their checked float64/int64
    forms, and frames without a person are cleared (NaN landmarks, visibility 0, no world points)."""
    frames = len(arrays["t_s"])
    if frames > MAX_FRAMES:
        raise _Refused(f"holds {frames} frames; at most {MAX_FRAMES} are read")
    for name in ("source", "estimator"):
        if len(str(arrays[name])) > MAX_TEXT_CHARS:
            raise _Refused(f"{name}: a text of {len(str(arrays[name]))} characters; at most {MAX_TEXT_CHARS}")
    fps = float(arrays["fps"])
    if not MIN_FPS <= fps <= MAX_FPS:
        raise _Refused(f"fps: {fps:g} frames per second, outside {MIN_FPS:g}-{MAX_FPS:g}")

    t_s = np.asarray(arrays["t_s"], dtype=np.float64)
    if not np.all(np.isfinite(t_s)):
        i = _first(~np.isfinite(t_s))
        raise _Refused(f"t_s: frame {i} has no finite time ({t_s[i]})")
    if len(t_s) and (t_s.min() < MIN_T_S or t_s.max() > MAX_DURATION_S):
        raise _Refused(
            f"t_s: the frames' times run from {t_s.min():.6g} to {t_s.max():.6g} s; a recording must lie within "
            f"{MIN_T_S:g} to {MAX_DURATION_S:g} s ({MAX_DURATION_S / 3600:g} h) of its start; the times are damaged"
        )
    # Equal or falling times are refused, not dropped: every source stamps strictly increasing times
    # (the video source moves a repeated stamp one frame period on), so they mean a damaged file, and
    # dropping frames would silently change which pose is judged and how long a rep lasted.
    steps = np.diff(t_s)
    if np.any(steps <= 0):
        i = _first(steps <= 0)
        raise _Refused(
            f"t_s: times must increase from frame to frame; frame {i + 1} ({t_s[i + 1]:g} s) "
            f"does not come after frame {i} ({t_s[i]:g} s)"
        )

    index = np.asarray(arrays["index"], dtype=np.int64)
    if np.any(index < 0) or np.any(np.diff(index) <= 0):
        raise _Refused("index: frame numbers must be non-negative and increase from frame to frame")
    sizes = np.asarray(arrays["image_size"], dtype=np.int64)
    if np.any(sizes < 1) or np.any(sizes > MAX_IMAGE_SIDE_PX):
        i = _first(np.any((sizes < 1) | (sizes > MAX_IMAGE_SIDE_PX), axis=1))
        raise _Refused(f"image_size: frame {i} is {sizes[i, 0]}x{sizes[i, 1]} px; sides of 1-{MAX_IMAGE_SIDE_PX} px")

    present, has_world = arrays["present"], arrays["has_world"]
    has_world = has_world & present  # a frame without a person has no pose, in any coordinates
    # No copies (a float64 array is used as read): the arrays are the loader's own.
    landmarks = np.asarray(arrays["landmarks"], dtype=np.float64)
    visibility = np.asarray(arrays["visibility"], dtype=np.float64)
    world = np.asarray(arrays["world"], dtype=np.float64)
    for name, values, where in (("landmarks", landmarks, present), ("world", world, has_world)):
        # Two boolean masks (1/8 of the array each) rather than a float temporary of np.abs.
        with np.errstate(invalid="ignore"):
            within = (values >= -MAX_ABS_COORDINATE) & (values <= MAX_ABS_COORDINATE)
            bad = where & ~np.all(within, axis=(1, 2))
        if np.any(bad):
            i = _first(bad)
            raise _Refused(
                f"{name}: frame {i} has a person but its points are not all finite numbers within "
                f"+-{MAX_ABS_COORDINATE:g} ({'normalised image units' if name == 'landmarks' else 'metres'})"
            )
    with np.errstate(invalid="ignore"):
        bad = present & ~np.all((visibility >= 0.0) & (visibility <= 1.0), axis=1)
    if np.any(bad):
        raise _Refused(f"visibility: frame {_first(bad)} has visibilities that are not likelihoods in 0-1")
    landmarks[~present] = np.nan
    visibility[~present] = 0.0
    arrays.update(
        fps=np.array(fps),
        t_s=t_s,
        index=index,
        image_size=sizes,
        has_world=has_world,
        landmarks=landmarks,
        visibility=visibility,
        world=world,
    )


def _recording(arrays: dict[str, np.ndarray]) -> Recording:
    """The frames, once every value is within the limits; absent frames carry no pose (NaN, 0)."""
    _check_values(arrays)
    t_s, index, sizes, present = arrays["t_s"], arrays["index"], arrays["image_size"], arrays["present"]
    landmarks, visibility, world, has_world = (arrays[k] for k in ("landmarks", "visibility", "world", "has_world"))
    frames = tuple(
        PoseFrame(
            t_s=float(t_s[i]),
            index=int(index[i]),
            image_size=(int(sizes[i, 0]), int(sizes[i, 1])),
            landmarks=landmarks[i],
            visibility=visibility[i],
            world=world[i] if has_world[i] else None,
            present=bool(present[i]),
        )
        for i in range(len(t_s))
    )
    return Recording(
        frames=frames,
        source=str(arrays["source"]),
        estimator=str(arrays["estimator"]),
        fps=float(arrays["fps"]),
        truncated=bool(arrays["truncated"]),
    )


def open_video(
    path: str | Path, *, model: str | Path | None = None, estimator: PoseEstimator | None = None
) -> tuple[VideoFileSource, PoseEstimator]:
    """A video file and the pose estimator to run over it (``estimator``, else one made from
    ``model``, the bundled one by default). The caller closes both; if the estimator cannot be
    made, the video is closed before the error goes on."""
    from spinesafe.pose.estimators import create_estimator
    from spinesafe.pose.sources import VideoFileSource

    source = VideoFileSource(path)
    try:
        return source, estimator if estimator is not None else create_estimator(model)
    except BaseException:
        source.close()
        raise


def record_video(
    path: str | Path,
    *,
    model: str | Path | None = None,
    estimator: PoseEstimator | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Recording:
    """Run pose estimation over every frame of a video file and keep the poses in memory.

    ``estimator`` replaces the model made from ``model`` (the bundled one by default); either
    is closed at the end. ``progress(done, expected_frames)`` is called after each frame.
    """
    source, pose_estimator = open_video(path, model=model, estimator=estimator)
    poses = []
    try:
        for done, frame in enumerate(source, start=1):
            poses.append(pose_estimator.estimate(frame))
            if progress is not None:
                progress(done, source.expected_frames)
    finally:
        source.close()
        pose_estimator.close()
    return Recording(
        frames=tuple(poses),
        source=source.name,
        estimator=pose_estimator.name,
        fps=source.fps,
        truncated=source.truncated,
    )
