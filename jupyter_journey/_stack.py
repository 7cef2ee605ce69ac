"""Where a warning should point: the first caller outside this package."""

from __future__ import annotations

import sys
from types import FrameType


def caller_outside_package() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that names the user's own line.

    Call it from the function that warns. Package code is reached through
    ``Journey``, case sets, parent rules and the widget, each a different
    number of frames deep, so a fixed level would point into the package.
    """
    package = __name__.partition(".")[0]
    level = 1
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _module_of(frame).partition(".")[0] == package:
        level, frame = level + 1, frame.f_back
    return level


def _module_of(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))
