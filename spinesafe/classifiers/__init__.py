"""The classifiers room: pure geometry and features, exercise specs, rep counting, flexion.

No OpenCV, MediaPipe, audio or file I/O here: everything is a function of `PoseFrame`s.
"""
