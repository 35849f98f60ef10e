"""Evaluation: the packaged recogniser on every library motion of the synthetic figure, in several views.

    python scripts/eval_synthetic_sweep.py [--tilted]

Level camera (default): each motion in six views (front, side, oblique, and three turns training did
not use: 20, -65 and 120 deg), 2 px of landmark jitter, a seed training did not use: 25 x 6 = 150
clips. ``--tilted``: each motion in three views with the camera pitched 20 deg down, 15 deg up or
rolled 10 deg: 225 clips. Prints each motion's wrong answers (view: label: confidence) and the count.
The figure is the one the model stores windows of, so this finds the mistakes a definition can fix
(a rolled camera showing standing legs apart), not how real people are met (``spinesafe
train-recogniser CORPUS --cross-validate`` measures that).
"""

from __future__ import annotations

import argparse

from spinesafe.classifiers.exercises import EXERCISES, Kind
from spinesafe.classifiers.recogniser import RecogniserModel, recognise_clip
from spinesafe.lab import synthetic as syn

LEVEL_VIEWS: tuple[syn.CameraView | float, ...] = (
    syn.CameraView.FRONT,
    syn.CameraView.SIDE_FACING_RIGHT,
    syn.CameraView.OBLIQUE_LEFT,
    20.0,
    -65.0,
    120.0,
)
TILTED_VIEWS: tuple[syn.CameraView | float, ...] = (
    syn.CameraView.FRONT,
    syn.CameraView.SIDE_FACING_RIGHT,
    syn.CameraView.OBLIQUE_LEFT,
)
TILTS = ((20.0, 0.0), (-15.0, 0.0), (0.0, 10.0))  # (pitch, roll) in degrees: down, up, rolled
SEED = 78


def _name(view: syn.CameraView | float) -> str:
    return view.name.lower() if isinstance(view, syn.CameraView) else f"{view:+.0f} deg"


def main() -> int:
    parser = argparse.ArgumentParser(
        description="The packaged recogniser on every synthetic library motion, level (6 views, 150 clips) "
        "or with --tilted cameras (3 views x pitched 20 down / 15 up / rolled 10: 225 clips)."
    )
    parser.add_argument("--tilted", action="store_true", help="tilted cameras instead of level ones")
    args = parser.parse_args()
    model = RecogniserModel.load()
    tilts = TILTS if args.tilted else ((0.0, 0.0),)
    views = TILTED_VIEWS if args.tilted else LEVEL_VIEWS
    wrong = clips = 0
    for exercise, make in sorted(syn.MOTIONS.items()):
        spec = EXERCISES[exercise]
        keyframes = make(spec.target_s + 4.0) if spec.kind is Kind.HOLD else make(4)
        for pitch, roll in tilts:
            bad = []
            for view in views:
                frames = syn.animate(
                    keyframes, 15.0, view=view, jitter_px=2.0, seed=SEED, pitch_deg=pitch, roll_deg=roll
                )
                found = recognise_clip(model, frames)
                clips += 1
                if found.label != exercise:
                    bad.append(f"{_name(view)}: {found.label}: {found.confidence:.2f}")
            wrong += len(bad)
            if bad:
                tilt = f" pitch {pitch:+.0f} roll {roll:+.0f}" if args.tilted else ""
                print(f"{exercise:24s}{tilt}  {'; '.join(bad)}")
    print(f"wrong {wrong} of {clips}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
