"""How often the person watch holds frames back or pauses on clips with one person.

    python scripts/measure_person_watch.py [FOLDER]   # default: ~/.cache/spinesafe/corpus

Reads landmark recordings (``.npz``, e.g. the corpus's cached MediaPipe landmarks; read only) and
runs :class:`spinesafe.classifiers.person.PersonWatch` over each. Prints per clip the frames held
back (a body unlike the patient's for a frame or two) and the pauses announced (someone else for
:data:`~spinesafe.classifiers.person.CONFIRM_S`), then the frame-to-frame size ratio and centre
shift (in statures) at the 99th percentile and the maximum: the margins the thresholds are set
against. Figures, not assertions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from spinesafe.classifiers.events import PersonChanged
from spinesafe.classifiers.person import PersonWatch
from spinesafe.pose.people import Body, body_of
from spinesafe.pose.recording import load_recording

# Consecutive present frames further apart than this are not compared frame to frame.
MAX_STEP_S = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path.home() / ".cache" / "spinesafe" / "corpus")
    args = parser.parse_args()
    paths = sorted(args.folder.glob("*.npz"))
    if not paths:
        raise SystemExit(f"{args.folder}: no .npz landmark recordings")
    ratios: list[float] = []
    shifts: list[float] = []
    held_total = paused_total = 0
    print(f"{'clip':44s} {'frames':>6s} {'held':>5s} pauses")
    for path in paths:
        frames = load_recording(path).frames
        watch = PersonWatch()
        held = 0
        pauses = []
        last: tuple[float, Body] | None = None
        for frame in frames:
            pauses += [e.start_s for e in watch.update(frame) if isinstance(e, PersonChanged)]
            held += watch.held
            body = body_of(frame)
            if body is not None:
                if last is not None and frame.t_s - last[0] <= MAX_STEP_S:
                    ratios.append(last[1].size_ratio(body))
                    shifts.append(last[1].shift(body))
                last = (frame.t_s, body)
        held_total += held
        paused_total += len(pauses)
        print(f"{path.stem:44s} {len(frames):6d} {held:5d} {', '.join(f'{t:.1f} s' for t in pauses) or '-'}")
    r, s = np.array(ratios), np.array(shifts)
    print(f"\n{len(paths)} clips: {held_total} frames held, {paused_total} pauses")
    print(f"frame to frame: size ratio p99 {np.percentile(r, 99):.2f} max {r.max():.2f}; ", end="")
    print(f"shift p99 {np.percentile(s, 99):.3f} max {s.max():.3f} statures")


if __name__ == "__main__":
    main()
