"""The feedback room: cue policy, overlay, reports (and later audio and the session store).

Feedback consumes classifier events only; it never looks at landmarks to decide anything.
"""
