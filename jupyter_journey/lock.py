"""One training run at a time per journey folder, across objects and processes.

Two runs writing one journey would each take "the latest node" from the other
and interleave their nodes. A run holds an exclusive ``flock`` on
``training.lock`` in the folder for as long as it trains; the kernel drops the
lock when the process ends, however it ends, so a crash leaves no stale lock.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; runs there are not guarded across processes
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "training.lock"


class JourneyBusyError(RuntimeError):
    """Another run, in this process or another, is training the journey."""


class TrainingLock:
    """An exclusive lock on a journey folder, taken without waiting."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_FILE
        self._descriptor: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ``JourneyBusyError`` at once if it is held."""
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                raise JourneyBusyError(
                    f"another run is training the journey in {self.path.parent} "
                    "(in this process or another); stop it or wait for it to end"
                ) from None
        self._descriptor = descriptor

    def release(self) -> None:
        """Give the lock back; closing the file releases the flock."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
