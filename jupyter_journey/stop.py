"""Stop conditions: when training pauses to evaluate and save a node.

A condition looks at the progress made since the last node and says whether
the next node is due. It is checked after every iteration.

A condition's argument is checked when it is made: one that is not a number
at all (a str, None) is a ``TypeError``; a number that is not accepted (a
bool, a fraction where a whole number is due, infinity, NaN, or <= 0) is a
``ValueError``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class SegmentProgress:
    """Progress since the last node: what a stop condition decides on."""

    iterations: int = 0
    epochs: int = 0
    seconds: float = 0.0
    samples: int = 0


@runtime_checkable
class StopCondition(Protocol):
    """Decides when the next node is cut."""

    def reached(self, progress: SegmentProgress) -> bool:
        """Whether a node is due after ``progress``."""
        ...

    def total_iterations(self) -> int | None:
        """Iterations per node, where known in advance (for progress bars)."""
        ...

    def to_json(self) -> dict[str, Any]:
        """The condition as JSON, recorded in every node it cuts."""
        ...


def _whole_number(name: str, value: object) -> int:
    accepted = f"{name} must be a whole number >= 1"
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{accepted}, got {value!r} (a {type(value).__name__})")
    whole = int(value) if isinstance(value, numbers.Integral) else 0
    if isinstance(value, bool) or whole < 1:
        raise ValueError(f"{accepted}, got {value!r}")
    return whole


def _seconds(name: str, value: object) -> float:
    accepted = f"{name} must be a finite number of seconds > 0"
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{accepted}, got {value!r} (a {type(value).__name__})")
    seconds = float(value)
    if isinstance(value, bool) or not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{accepted}, got {value!r}")
    return seconds


@dataclass(frozen=True)
class EveryNIterations:
    """A node every ``n`` optimizer iterations."""

    n: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", _whole_number("EveryNIterations n", self.n))

    def reached(self, progress: SegmentProgress) -> bool:
        return progress.iterations >= self.n

    def total_iterations(self) -> int | None:
        return self.n

    def to_json(self) -> dict[str, Any]:
        return {"kind": "iterations", "n": self.n}


@dataclass(frozen=True)
class EveryNEpochs:
    """A node every ``n`` passes over the training data."""

    n: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", _whole_number("EveryNEpochs n", self.n))

    def reached(self, progress: SegmentProgress) -> bool:
        return progress.epochs >= self.n

    def total_iterations(self) -> int | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"kind": "epochs", "n": self.n}


@dataclass(frozen=True)
class TimeBudget:
    """A node every ``seconds`` of wall time spent training."""

    seconds: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", _seconds("TimeBudget", self.seconds))

    def reached(self, progress: SegmentProgress) -> bool:
        return progress.seconds >= self.seconds

    def total_iterations(self) -> int | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"kind": "seconds", "seconds": self.seconds}


def stop_condition_from_json(data: dict[str, Any]) -> StopCondition:
    """Rebuild a stop condition from its ``to_json`` form."""
    kinds: dict[str, tuple[str, Any]] = {
        "iterations": ("n", EveryNIterations),
        "epochs": ("n", EveryNEpochs),
        "seconds": ("seconds", TimeBudget),
    }
    if not isinstance(data, dict):
        raise TypeError(
            f"a stop condition's JSON is a dict such as "
            f"{{'kind': 'iterations', 'n': 100}}, got {data!r}"
        )
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise ValueError(
            f"stop condition kind {kind!r} is not known; use one of {sorted(kinds)}"
        )
    key, make = kinds[kind]
    if key not in data:
        raise ValueError(f"a {kind!r} stop condition needs {key!r}, got {data!r}")
    condition: StopCondition = make(data[key])
    return condition
