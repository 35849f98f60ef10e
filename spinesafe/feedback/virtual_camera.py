"""Telehealth: send the overlaid live view to a virtual camera a video-call app can pick.

Uses ``pyvirtualcam`` (optional extra: ``pip install 'spinesafe[virtualcam]'``), which needs a
virtual camera device: on Linux the v4l2loopback kernel module, on macOS and Windows OBS
Studio's virtual camera. When either is missing, :class:`VirtualCamera` says how to get it,
once, and the session carries on without it (:attr:`available` is False).
"""

from __future__ import annotations

import logging
import sys

import numpy as np

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'spinesafe[virtualcam]' (installs pyvirtualcam)"


def device_hint() -> str:
    """How to get a virtual camera device on this platform."""
    if sys.platform.startswith("linux"):
        return (
            "install v4l2loopback and load it: sudo apt-get install v4l2loopback-dkms && "
            "sudo modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=spinesafe"
        )
    return "install OBS Studio (obsproject.com) and start its virtual camera once, then quit OBS"


class VirtualCamera:
    """Frames of (width, height) at ``fps`` to a virtual camera; a no-op when none is available."""

    def __init__(self, width: int, height: int, fps: float) -> None:
        self.available = False
        self.message = ""
        self.device = ""
        self.frames_sent = 0
        self._cam = None
        self.size = (width, height)
        try:
            import pyvirtualcam
        except ImportError:
            self.message = f"virtual camera: pyvirtualcam is not installed; {INSTALL_HINT}. Continuing without it."
            log.warning("%s", self.message)
            return
        try:
            self._cam = pyvirtualcam.Camera(
                width=width, height=height, fps=fps, fmt=pyvirtualcam.PixelFormat.BGR, print_fps=False
            )
        except (RuntimeError, OSError, ValueError) as exc:
            self.message = f"virtual camera: no device ({exc}). To get one, {device_hint()}. Continuing without it."
            log.warning("%s", self.message)
            return
        self.available = True
        self.device = str(getattr(self._cam, "device", ""))
        log.info("virtual camera: sending to %s", self.device or "the virtual camera")

    def send(self, image: np.ndarray) -> None:
        """Send one BGR frame (resized to the camera's size if needed); never waits for the next frame slot."""
        if self._cam is None:
            return
        width, height = self.size
        if image.shape[1] != width or image.shape[0] != height:
            import cv2

            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        self._cam.send(np.ascontiguousarray(image))
        self.frames_sent += 1

    def close(self) -> None:
        if self._cam is not None:
            self._cam.close()
            self._cam = None
