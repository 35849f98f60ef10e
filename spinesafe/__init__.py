"""spinesafe: a camera-based exercise coach for people with osteoporosis.

Three rooms, imports pointing one way: :mod:`spinesafe.pose` (frames and landmarks)
<- :mod:`spinesafe.classifiers` (geometry, reps, flexion) <- :mod:`spinesafe.feedback`
(overlay, reports) <- :mod:`spinesafe.session.review` / :mod:`spinesafe.cli`.
"""

__version__ = "0.1.0"
