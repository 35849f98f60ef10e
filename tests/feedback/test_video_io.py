"""Video written with `Mp4Writer` and read back with `VideoFileSource`, plus damaged and wrong inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from spinesafe.errors import InputFileError, VideoDecodeError
from spinesafe.feedback.video import Mp4Writer
from spinesafe.pose.sources import VideoFileSource, VideoFrame

FPS = 30.0


def _read_all(path: Path) -> tuple[VideoFileSource, list[VideoFrame]]:
    source = VideoFileSource(path)
    try:
        frames = list(source)
    finally:
        source.close()
    return source, frames


def _mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_written_video_reads_back_frame_for_frame(person_video: Path, person_frames: list[np.ndarray]) -> None:
    height, width = person_frames[0].shape[:2]
    source, frames = _read_all(person_video)

    assert source.fps == pytest.approx(FPS)
    assert source.expected_frames == len(person_frames)
    assert len(frames) == len(person_frames) == source.frames_read
    assert source.truncated is False
    assert [f.index for f in frames] == list(range(len(person_frames)))
    assert all(f.size == (width, height) and f.image.dtype == np.uint8 for f in frames)

    times = np.array([f.t_s for f in frames])
    assert times[0] == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(np.diff(times), 1 / FPS, atol=1e-3)
    assert source.duration_s == pytest.approx(len(person_frames) / FPS)

    # Each decoded frame is close to the frame written at its position (lossy, crf 23) ...
    diffs = [_mean_abs_diff(got.image, sent) for got, sent in zip(frames, person_frames, strict=True)]
    assert max(diffs) < 6.0, diffs
    # ... and clearly closer to it than to its neighbour, which is shifted by a pixel or more:
    # frames are neither dropped, duplicated nor reordered.
    neighbour = [_mean_abs_diff(got.image, person_frames[i - 1]) for i, got in enumerate(frames) if i > 0]
    assert all(d < n for d, n in zip(diffs[1:], neighbour, strict=True)), (diffs, neighbour)


def test_written_video_is_h264_mp4(person_video: Path, person_frames: list[np.ndarray]) -> None:
    with av.open(str(person_video)) as container:
        stream = container.streams.video[0]
        assert container.format.name.startswith("mov,mp4")
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.codec_context.width, stream.codec_context.height) == (512, 600)
        assert stream.average_rate == FPS
        assert stream.frames == len(person_frames)


def test_writer_crops_odd_sizes_to_even(tmp_path: Path) -> None:
    """H.264 in yuv420p needs even sides; the writer crops one pixel rather than failing."""
    path = tmp_path / "odd.mp4"
    image = np.full((241, 321, 3), 200, dtype=np.uint8)
    with Mp4Writer(path, 25.0, (321, 241)) as writer:
        for _ in range(5):
            writer.write(image)
    assert writer.frames == 5

    source, frames = _read_all(path)
    assert len(frames) == 5 and source.fps == pytest.approx(25.0)
    assert {f.size for f in frames} == {(320, 240)}
    assert abs(float(frames[2].image.mean()) - 200) < 3


def test_mp4writer_output_cut_short_cannot_be_opened(
    person_video: Path, tmp_path: Path, cut_copy: Callable[[Path, Path, float], Path]
) -> None:
    """Mp4Writer (like most recorders) writes the MP4 index (moov atom) last; a file cut at 60% has none.

    OpenCV then cannot open it at all, so the error comes from the constructor, before any frame.
    """
    cut = cut_copy(person_video, tmp_path / "cut.mp4", 0.6)
    with pytest.raises(VideoDecodeError, match="cannot be opened as a video") as info:
        VideoFileSource(cut)
    assert str(cut) in str(info.value)


def test_faststart_video_cut_short_decodes_its_first_frames_and_is_flagged_truncated(
    faststart_video: Path, truncated_video: Path, person_frames: list[np.ndarray]
) -> None:
    """With the index first, the cut file opens, promises every frame, and delivers the readable ones."""
    cut_at = truncated_video.stat().st_size
    with av.open(str(faststart_video)) as container:
        packets = [p for p in container.demux(container.streams.video[0]) if p.size]
    # A frame can only be decoded when its packet lies wholly before the cut.
    whole_packets = sum(1 for p in packets if p.pos is not None and p.pos + p.size <= cut_at)
    assert 0 < whole_packets < len(packets)

    _, full = _read_all(faststart_video)
    source, frames = _read_all(truncated_video)

    assert source.expected_frames == len(person_frames) == len(full)
    assert 0 < len(frames) <= whole_packets
    assert len(frames) < 0.7 * len(person_frames)
    assert source.frames_read == len(frames)
    assert source.truncated is True
    assert [f.index for f in frames] == list(range(len(frames)))
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(len(frames)) / FPS, atol=1e-3)
    # The readable part decodes exactly as in the intact file.
    for got, whole in zip(frames, full[: len(frames)], strict=True):
        np.testing.assert_array_equal(got.image, whole.image)


def test_text_file_named_mp4_raises_video_decode_error(tmp_path: Path) -> None:
    fake = tmp_path / "holiday.mp4"
    fake.write_text("not a video, just text\n" * 50)
    with pytest.raises(VideoDecodeError, match="cannot be opened as a video") as info:
        VideoFileSource(fake)
    assert str(fake) in str(info.value)
    assert isinstance(info.value, OSError)


def test_empty_file_named_mp4_raises_video_decode_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoDecodeError, match="cannot be opened as a video"):
        VideoFileSource(empty)


def test_missing_path_raises_input_file_error(tmp_path: Path) -> None:
    missing = tmp_path / "gone.mp4"
    with pytest.raises(InputFileError, match="no such file") as info:
        VideoFileSource(missing)
    assert str(missing) in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def test_directory_path_raises_input_file_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError):
        VideoFileSource(tmp_path)


def test_video_cut_inside_its_first_frame_opens_but_raises_on_reading(
    faststart_video: Path, tmp_path: Path, cut_copy: Callable[[Path, Path, float], Path]
) -> None:
    """The index survives but not one whole frame: the error comes while iterating, not at open."""
    cut = cut_copy(faststart_video, tmp_path / "stub.mp4", 0.05)
    source = VideoFileSource(cut)
    assert source.expected_frames == 45
    with pytest.raises(VideoDecodeError, match="no frame could be decoded") as info:
        list(source)
    source.close()
    assert str(cut) in str(info.value)
    assert source.frames_read == 0
