"""Write the synthetic sample recordings the repository ships in ``samples/``.

    python scripts/make_samples.py [OUT_DIR]

``demo_squats.npz`` (side view, facing image-left, 30 fps, mild seeded jitter): 3 s standing
tall, 5 squats, one rounded-back forward bend (spine curl 45 deg, for the flexion monitor to
flag), then 3 s standing. The stick figure comes from :mod:`spinesafe.lab.synthetic`; no
camera, model or person is involved, so the file is deterministic and free to ship.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from spinesafe.lab.synthetic import CameraView, animate, chain, hip_hinge_reps, squat_reps, standing
from spinesafe.pose.frame import PoseFrame
from spinesafe.pose.recording import save_recording

FPS = 30.0
SEED = 20240611
JITTER_PX = 1.0
ROUNDED_CURL_DEG = 45.0


# Storage grid: 2**-14 of the image (0.08 px at 1280 wide) and 2**-12 m (0.24 mm) are far finer
# than any pose estimate, and values on a binary grid leave float64 mantissas mostly zero, so
# the compressed file is a fraction of the size.
_IMAGE_STEP = 2.0**-14
_WORLD_STEP_M = 2.0**-12


def _quantised(frame: PoseFrame) -> PoseFrame:
    """The frame with landmarks rounded to the storage grid."""
    world = None if frame.world is None else np.round(frame.world / _WORLD_STEP_M) * _WORLD_STEP_M
    return PoseFrame(
        t_s=frame.t_s,
        index=frame.index,
        image_size=frame.image_size,
        landmarks=np.round(frame.landmarks / _IMAGE_STEP) * _IMAGE_STEP,
        visibility=frame.visibility,
        world=world,
        present=frame.present,
    )


def demo_squats() -> list[PoseFrame]:
    motion = chain(
        standing(3.0),
        squat_reps(5, period_s=3.0, depth_knee_deg=95.0),
        standing(1.0),
        hip_hinge_reps(1, period_s=5.0, rounded=True, rounded_curl_deg=ROUNDED_CURL_DEG),
        standing(3.0),
    )
    frames = animate(motion, fps=FPS, view=CameraView.SIDE_FACING_LEFT, jitter_px=JITTER_PX, seed=SEED)
    return [_quantised(f) for f in frames]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parent.parent / "samples"
    parser.add_argument("out_dir", nargs="?", type=Path, default=default_out)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    frames = demo_squats()
    path = save_recording(
        args.out_dir / "demo_squats.npz",
        frames,
        source="synthetic squats (spinesafe generator)",
        estimator="synthetic",
        fps=FPS,
    )
    print(f"wrote {path} ({len(frames)} frames, {frames[-1].t_s:.1f} s, {path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
