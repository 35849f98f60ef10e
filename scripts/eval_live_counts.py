"""Rep counts of ``spinesafe live`` with its defaults on corpus clips played as the camera, beside
``review``'s counts of the same clips and the manifest's true counts.

Each continuous clip of a library exercise runs as

    spinesafe live --camera CLIP --exercise ID --headless --json OUT --no-history --mute --no-voice

(the set-up check and calibration on, as a user gets them; paced in real time, so frames MediaPipe
cannot keep up with are dropped as from a camera; ``--speed 0.5`` plays at half speed, which
leaves out the drops of a loaded machine; ``--every-frame`` feeds the live coach itself every
frame, cached landmarks and decoded pictures, to see the counting and set-up flow apart from
real time). ``--auto`` runs them with ``--exercise auto`` instead: counting starts when the recogniser
names the exercise, and the reps done before that are caught up. The review count is the one ``spinesafe eval``
scores: the clip's landmarks from its cache (read only; "-" when not cached) analysed as
``review`` does. The table and summary follow ``spinesafe eval``'s. Each clip takes its own
length in real time plus MediaPipe's start: run it on a handful while the machine is shared.

    PYTHONPATH=. python scripts/eval_live_counts.py ../shared/corpus --only squat_dumbbell_side_01
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from spinesafe.classifiers.exercises import EXERCISES, Kind, get_exercise
from spinesafe.classifiers.recogniser import ExerciseRecogniser
from spinesafe.lab.evaluation import default_cache_dir, load_manifest
from spinesafe.pose.recording import load_recording
from spinesafe.pose.sources import VideoFileSource
from spinesafe.session.coach import LiveCoach
from spinesafe.session.programme import single_exercise
from spinesafe.session.review import analyse_poses


@dataclass
class LiveCount:
    file: str
    exercise: str
    view: str
    true_reps: int
    live: int | None  # None: live failed (see error)
    review: int | None  # None: no cached landmarks
    frames: int = 0  # frames the live session analysed
    video_frames: int = 0
    error: str = ""


def review_count(clip_path: Path, exercise: str, cache: Path) -> int | None:
    cached = cache / f"{clip_path.stem}.npz"
    if not cached.is_file():
        return None
    recording = load_recording(cached)
    spec = get_exercise(exercise)
    result = analyse_poses(recording, spec, source=recording.source, estimator=recording.estimator, fps=recording.fps)
    return len(result.holds) if spec.kind is Kind.HOLD else result.rep_count


def live_count(
    clip_path: Path, exercise: str, out: Path, speed: float = 1.0, auto: bool = False
) -> tuple[int | None, int, str]:
    """(count, frames analysed, error) of one ``spinesafe live`` run (``auto``: ``--exercise auto``)."""
    cmd = [sys.executable, "-m", "spinesafe", "live", "--camera", str(clip_path), "--exercise"]
    cmd += ["auto" if auto else exercise]
    cmd += ["--headless", "--json", str(out), "--no-history", "--mute", "--no-voice", "--speed", f"{speed:g}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not out.is_file():
        return None, 0, (proc.stderr.strip().splitlines() or ["no output"])[-1]
    report = json.loads(out.read_text())
    spec = get_exercise(exercise)
    count = len(report["holds"]) if spec.kind is Kind.HOLD else report["rep_count"]  # as `spinesafe eval` counts
    return int(count), int(report.get("frames", 0)), ""


def coach_count(clip_path: Path, exercise: str, cache: Path, auto: bool = False) -> tuple[int | None, int]:
    """(count, frames) of the live coach fed every frame of the clip, with its picture and its cached
    landmarks: what ``live`` counts when no frame is dropped (None when not cached). ``auto``: the
    coach recognises the exercise itself, as ``--exercise auto``."""
    cached = cache / f"{clip_path.stem}.npz"
    if not cached.is_file():
        return None, 0
    poses = list(load_recording(cached))
    programme = None if auto else single_exercise(exercise)
    recogniser = ExerciseRecogniser() if auto else None
    coach = LiveCoach(programme, source=clip_path.name, estimator="cached", fps=30.0, recogniser=recogniser)
    coach.start(0.0)
    source = VideoFileSource(clip_path)
    frames = 0
    try:
        for frame in source:
            if frame.index >= len(poses):
                break
            coach.update(poses[frame.index], frame.image)
            frames += 1
    finally:
        source.close()
    coach.finish(coach.last_t, "end of the recording")
    report = coach.report()
    spec = get_exercise(exercise)
    count = len(report["holds"]) if spec.kind is Kind.HOLD else report["rep_count"]  # as `spinesafe eval` counts
    return int(count), frames


def _rate(rows: list[LiveCount], column: str) -> str:
    scored = [r for r in rows if getattr(r, column) is not None]
    exact = sum(1 for r in scored if getattr(r, column) == r.true_reps)
    return f"{exact}/{len(scored)} exact" + (f" ({100 * exact / len(scored):.0f}%)" if scored else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="../shared/corpus", type=Path, help="corpus folder")
    parser.add_argument("--limit", type=int, default=0, help="only the first N clips (0: all)")
    parser.add_argument("--only", nargs="*", default=[], help="only clips whose file name contains one of these")
    parser.add_argument("--cache", type=Path, default=default_cache_dir(), help="landmark cache (read only)")
    parser.add_argument(
        "--every-frame",
        action="store_true",
        help="instead of running `spinesafe live`, feed the live coach every frame (cached landmarks and the "
        "decoded pictures): the counting and set-up flow without the frame drops of real time",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="pace of the clip (1: real time, as a camera; below 1 leaves MediaPipe time on a loaded machine; "
        "0: frame by frame, none dropped)",
    )
    parser.add_argument(
        "--auto", action="store_true", help="run live with --exercise auto: the coach recognises the exercise"
    )
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        print(f"eval_live_counts: {args.corpus}: no manifest.json (give the corpus folder)", file=sys.stderr)
        return 2
    clips = [
        c
        for c in load_manifest(args.corpus)
        if c.get("quality") != "keyframe_slideshow" and c["exercise"] in EXERCISES and c.get("true_reps") is not None
    ]
    if args.only:
        clips = [c for c in clips if any(part in c["file"] for part in args.only)]
    if args.limit:
        clips = clips[: args.limit]
    print(f"{'clip':44s} {'exercise':13s} {'view':10s} {'true':>4s} {'live':>5s} {'review':>6s} {'frames':>11s}")
    rows: list[LiveCount] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            path = args.corpus / clip["file"]
            exercise = clip["exercise"]
            if args.every_frame:
                live, frames = coach_count(path, exercise, args.cache, args.auto)
                error = "" if live is not None else "not in the landmark cache"
            else:
                out = Path(tmp) / f"{path.stem}.json"
                live, frames, error = live_count(path, exercise, out, args.speed, args.auto)
            row = LiveCount(
                file=clip["file"],
                exercise=exercise,
                view=str(clip.get("view", "")).split(" ")[0],
                true_reps=int(clip["true_reps"]),
                live=live,
                review=review_count(path, exercise, args.cache),
                frames=frames,
                video_frames=round(float(clip.get("duration_s", 0)) * float(clip.get("fps", 0))),
                error=error,
            )
            rows.append(row)
            live_text = "fail" if row.live is None else str(row.live)
            review_text = "-" if row.review is None else str(row.review)
            print(
                f"{path.stem[:44]:44s} {exercise[:13]:13s} {row.view[:10]:10s} {row.true_reps:4d} {live_text:>5s} "
                f"{review_text:>6s} {f'{row.frames}/{row.video_frames}':>11s}"
                + (f"  {row.error}" if row.error else ""),
                flush=True,
            )
    print(
        f"\nlive: {_rate(rows, 'live')}; review: {_rate(rows, 'review')}; "
        f"live == review on {sum(1 for r in rows if r.live is not None and r.live == r.review)}/{len(rows)} clips"
    )
    print(f"took {time.monotonic() - started:.0f} s; 'frames': analysed live / in the video (the rest were dropped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
