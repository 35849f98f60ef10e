"""spinesafe: a camera-based exercise coach for people with osteoporosis.

Rooms, imports pointing one way: :mod:`spinesafe.pose` (frames and landmarks) <-
:mod:`spinesafe.classifiers` (geometry, reps, flexion, recogniser) <- :mod:`spinesafe.feedback`
(cues, overlay, audio, reports, history) <- :mod:`spinesafe.session` (review and live coaching) <-
:mod:`spinesafe.commands` / :mod:`spinesafe.cli`. :mod:`spinesafe.lab` (synthetic motions, training,
corpus evaluation) is never imported by the runtime. README's "How it works" draws them.
"""

__version__ = "0.1.0"
