"""The exception tree, in one place.

Every error spinesafe raises on purpose derives from :class:`SpinesafeError`, and each
subclass also inherits the builtin it behaves like, so callers may catch either.
Library code raises these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations


class SpinesafeError(Exception):
    """Base of all spinesafe errors."""


class InputFileError(SpinesafeError, FileNotFoundError):
    """An input file is missing or cannot be opened."""


class VideoDecodeError(SpinesafeError, OSError):
    """A file exists but cannot be decoded as a video."""


class RecordingFormatError(SpinesafeError, ValueError):
    """A landmark recording file is malformed or of an unknown version."""


class ModelLoadError(SpinesafeError, RuntimeError):
    """A pose model file is missing, invalid, or MediaPipe cannot load it."""


class UnknownExerciseError(SpinesafeError, KeyError):
    """An exercise id is not in the library; the message lists the valid ids."""

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return str(self.args[0]) if self.args else ""


class OutputError(SpinesafeError, OSError):
    """An output folder or file cannot be written."""


class CameraError(SpinesafeError, OSError):
    """A camera cannot be opened or stopped delivering frames."""


class ClusterError(SpinesafeError, ConnectionError):
    """``review --cluster``: the cluster extra is not installed, or the scheduler cannot be reached."""


class AudioUnavailable(SpinesafeError, RuntimeError):
    """No sound device, PortAudio library or speech engine: cues fall back to the screen."""


class StoreError(SpinesafeError, OSError):
    """The session database cannot be opened, read or written."""


class StoreVersionError(StoreError):
    """The session database was written by a newer spinesafe; it is left untouched."""


class StoreCorruptError(StoreError):
    """The session database fails SQLite's integrity check; it is refused and left untouched."""


class StoreLockedError(StoreError):
    """Another program holds the session database locked for longer than the timeout."""


class ProgrammeError(SpinesafeError, ValueError):
    """A programme file is malformed; the message names the file, the key and the allowed values."""


class UnsafeExerciseError(SpinesafeError, ValueError):
    """A movement to avoid (toe touch, sit-up...) was asked to be coached; the message names the safe alternative."""
