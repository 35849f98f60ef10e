"""Benchmark: the cost of turning a phone video's pictures upright, per frame.

    python scripts/bench_rotation.py [--frames 300] [--size 1920x1080]

Writes a clip stored as landscape pixels (1920x1080 by default) with a 90-degree display matrix
(a phone held upright) into a temporary folder, then reads it with `VideoFileSource` and times
each frame twice: the decode alone and the quarter turn `VideoFileSource` applies (cv2.rotate).
Prints the medians and 95th percentiles in ms, to set beside MediaPipe's ~31 ms a frame: wall
time, and the thread's CPU time (which other programs on a busy machine inflate less).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

from spinesafe.pose.sources import VideoFileSource


def write_phone_clip(path: Path, frames: int, width: int, height: int) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        stream.set_display_rotation(-90)  # PyAV counts counter-clockwise: show it turned 90 clockwise
        for i in range(frames):
            image = np.roll(base, 4 * i, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1920x1080", help="stored WIDTHxHEIGHT (landscape)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="spinesafe-bench-") as tmp:
        path = Path(tmp) / "phone.mp4"
        write_phone_clip(path, args.frames, width, height)
        source = VideoFileSource(path)
        turn = source._upright
        assert source.rotation_deg == 90 and turn is not None, source.rotation_deg
        source._upright = None  # decode only; the turn is timed on its own below
        times: dict[str, list[float]] = {"decode wall": [], "turn wall": [], "decode cpu": [], "turn cpu": []}
        start, start_cpu = time.perf_counter(), time.thread_time()
        for frame in source:
            decoded, decoded_cpu = time.perf_counter(), time.thread_time()
            upright = cv2.rotate(frame.image, turn)
            turned, turned_cpu = time.perf_counter(), time.thread_time()
            assert upright.shape == (width, height, 3)
            times["decode wall"].append((decoded - start) * 1000)
            times["turn wall"].append((turned - decoded) * 1000)
            times["decode cpu"].append((decoded_cpu - start_cpu) * 1000)
            times["turn cpu"].append((turned_cpu - decoded_cpu) * 1000)
            start, start_cpu = time.perf_counter(), time.thread_time()
        source.close()
    for name, values in times.items():
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:>11}: median {statistics.median(values):5.2f} ms, p95 {p95:5.2f} ms over {len(values)} frames")


if __name__ == "__main__":
    main()
